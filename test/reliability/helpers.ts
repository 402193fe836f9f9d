// Reliability-suite helpers: cchub in a child process, raw WebSocket clients resuming by seq, error-shape/leak checks.
import { RawWs } from '../../bench/lib/rawws.ts'
import { startCchub, type CchubOptions, type Target } from '../../bench/lib/targets.ts'

// The child is bench/server-child.ts; leaks are stack traces and file paths in anything the server says.

export { RawWs }
export type { Target }

/** cchub in its own process (killed with SIGKILL by the harness if a test dies). */
export function startServerChild(o: CchubOptions = {}): Promise<Target> {
  return startCchub({ ...o, flags: ['--shutdown-timeout', '3', ...(o.flags ?? [])] })
}

export async function api(
  t: Target,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token ?? t.token}` }
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  return fetch(t.url + path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
}

export async function json<T = any>(res: Promise<Response> | Response): Promise<T> {
  return (await (await res).json()) as T
}

/**
 * A client of one durable channel that resumes with `since` after every drop and records every seq it was given, on
 * every socket it ever had, so a test can assert "each seq exactly once, in order".
 */
export class ResumingClient {
  ws: RawWs | null = null
  readonly seqs: number[] = []
  last = 0
  connects = 0
  /** True from connect() until its subscribe was answered: not a moment to drop it (that is a different test). */
  connecting = false
  private gen = 0

  constructor(
    readonly t: Target,
    readonly channel: string,
    readonly path = t.wsPath,
  ) {}

  async connect(): Promise<void> {
    this.connecting = true
    try {
      await this.open()
    } finally {
      this.connecting = false
    }
  }

  private async open(): Promise<void> {
    const gen = ++this.gen
    let replied!: (m: any) => void
    const reply = new Promise<any>((r) => (replied = r))
    const ws = await RawWs.connect(this.t.port, this.path, {
      onText: (_w, text) => {
        if (gen !== this.gen) return // a frame that raced the drop of an older socket
        const m = JSON.parse(text)
        if (m.id === `sub${gen}`) return replied(m)
        if (m.channel === this.channel && typeof m.seq === 'number') {
          this.seqs.push(m.seq)
          this.last = Math.max(this.last, m.seq)
        }
      },
    })
    this.ws = ws
    this.connects++
    ws.sendText(
      JSON.stringify({ type: 'subscribe', id: `sub${gen}`, channel: this.channel, data: { since: this.last } }),
    )
    const m = await Promise.race([reply, Bun.sleep(10_000).then(() => null)])
    if (m?.type !== 'success') throw new Error(`subscribe failed: ${JSON.stringify(m)}`)
  }

  /** Connected, subscribed, and not in the middle of a reconnect. */
  get live(): boolean {
    return this.ws !== null && !this.connecting
  }

  /** Cuts the connection: TCP reset (no close frame) or a clean close, at random. */
  drop(): void {
    this.gen++
    if (Math.random() < 0.5) this.ws?.destroy()
    else this.ws?.close(1000)
    this.ws = null
  }
}

const STACK_LINE = /\n\s+at\s|^\s{4}at /m
const PATHS = /(\/work\/|\/home\/|\/tmp\/|\/usr\/|node_modules|\bsrc\/[\w/-]+\.ts|\.tsx?:\d+|\.m?js:\d+)/

/** Why `text` would leak internals (a stack frame or a file path), or null when it is clean. */
export function leakIn(text: string): string | null {
  if (STACK_LINE.test(text)) return 'stack trace'
  const m = PATHS.exec(text)
  return m ? `file path (${m[1]})` : null
}

/**
 * Checks one REST error answer: status ≥ 400, the error shape, X-Request-Id = trace_id, and no leak. Returns the code.
 */
export async function expectErrorShape(res: Response, what: string): Promise<string> {
  const text = await res.text()
  const fail = (why: string) => {
    throw new Error(`${what}: ${why}; HTTP ${res.status} ${text.slice(0, 300)}`)
  }
  if (res.status < 400) fail('expected an error status')
  const leak = leakIn(text)
  if (leak) fail(`leaks a ${leak}`)
  let body: any
  try {
    body = JSON.parse(text)
  } catch {
    fail('body is not JSON')
  }
  if (typeof body?.code !== 'string' || !/^[A-Z][A-Z_]+$/.test(body.code)) fail('no upper-case code')
  if (typeof body.message !== 'string' || !body.message) fail('no message')
  if (typeof body.trace_id !== 'string' || !body.trace_id) fail('no trace_id')
  if (typeof body.timestamp !== 'string' || Number.isNaN(Date.parse(body.timestamp))) fail('no timestamp')
  if (res.headers.get('x-request-id') !== body.trace_id) fail('X-Request-Id differs from trace_id')
  return body.code
}

/** Seeded PRNG (mulberry32) so a failing fuzz case can be reproduced from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
