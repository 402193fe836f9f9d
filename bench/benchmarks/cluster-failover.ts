// The cost of a node failure: kill -9 of the node running an execution while clients follow it there.
import type { Target } from '../lib/targets.ts'

/** A follower of one channel that checks every seq (gap, duplicate) across its reconnect. */
class Follower {
  last = 0
  gaps = 0
  dups = 0
  interruptedAt = 0
  private ws: WebSocket | null = null

  constructor(
    private readonly channel: string,
    private readonly token: string,
  ) {}

  /** Opens a socket on `url`, subscribes after the last seq seen; `onClose` runs when the server goes away. */
  follow(url: string, onClose: () => void): Promise<void> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(this.token)}`)
    this.ws = ws
    return new Promise((resolve, reject) => {
      ws.onerror = () => reject(new Error(`socket to ${url} failed`))
      ws.onclose = onClose
      ws.onmessage = (e) => {
        const m = JSON.parse(String(e.data))
        if (m.type === 'connected')
          ws.send(JSON.stringify({ type: 'subscribe', id: 's', channel: this.channel, data: { since: this.last } }))
        else if (m.id === 's') resolve()
        else if (m.channel === this.channel && typeof m.seq === 'number') this.take(m)
      }
    })
  }

  close(): void {
    if (this.ws) this.ws.onclose = null
    this.ws?.close()
  }

  private take(m: { seq: number; type: string; data?: { status?: string } }): void {
    if (m.seq <= this.last) this.dups++
    else if (m.seq !== this.last + 1) this.gaps++
    this.last = Math.max(this.last, m.seq)
    if (m.type === 'status' && m.data?.status === 'interrupted' && !this.interruptedAt) this.interruptedAt = Date.now()
  }
}

type Api = (t: Target, path: string, body?: unknown) => Promise<any>

const apiCall: Api = (t, path, body) =>
  fetch(t.url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  }).then((r) => r.json() as Promise<any>)

/** Polls the execution on `t` until it has `status`; throws (with what was seen) after `withinMs`. */
async function untilStatus(t: Target, id: string, status: string, withinMs: number): Promise<void> {
  const by = Date.now() + withinMs
  for (;;) {
    const seen = await apiCall(t, `/api/v1/claude/executions/${id}`)
    if (seen.status === status) return
    if (Date.now() > by)
      throw new Error(`the execution was not ${status} within ${withinMs} ms: ${JSON.stringify(seen).slice(0, 600)}`)
    await Bun.sleep(10)
  }
}

/** Resolves when every resumed follower got its subscribe answered; a hung resume fails the run instead. */
async function allResumed(resumed: Promise<void>[], withinMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not every client resumed within ${withinMs} ms`)), withinMs)
  })
  await Promise.race([Promise.all(resumed), late]).finally(() => clearTimeout(timer))
}

export async function failover([a, b]: Target[], o: { clients: number; leaseMs: number }) {
  const node = a!
  const doomed = b!
  const ws = await apiCall(doomed, '/api/v1/workspaces', { name: 'failover' })
  const run = await apiCall(doomed, '/api/v1/claude/execute', { workspace_id: ws.id, prompt: 'hang' })
  const followers = Array.from({ length: o.clients }, () => new Follower(`task:${run.execution_id}`, doomed.token))
  const resumed: Promise<void>[] = []
  try {
    await Promise.all(
      followers.map((f) =>
        f.follow(doomed.url, () => {
          // the node is gone: resume on the survivor (a load balancer would pick it) after the last seq seen
          resumed.push(f.follow(node.url, () => {}))
        }),
      ),
    )
    await untilStatus(node, run.execution_id, 'running', 30_000)
    const killedAt = Date.now()
    await doomed.child.kill9()
    await untilStatus(node, run.execution_id, 'interrupted', o.leaseMs * 10)
    const interruptedMs = Date.now() - killedAt
    const deadline = Date.now() + 10_000
    while (followers.some((f) => !f.interruptedAt) && Date.now() < deadline) await Bun.sleep(10)
    await allResumed(resumed, 10_000)
    return {
      clients: o.clients,
      lease_ms: o.leaseMs,
      interrupted_ms: interruptedMs,
      resumed_ms: Math.max(...followers.map((f) => (f.interruptedAt || Number.NaN) - killedAt)),
      not_resumed: followers.filter((f) => !f.interruptedAt).length,
      gaps: followers.reduce((n, f) => n + f.gaps, 0),
      dups: followers.reduce((n, f) => n + f.dups, 0),
    }
  } finally {
    for (const f of followers) f.close()
    // a resume still in flight when the run failed must not surface as an unhandled rejection
    for (const p of resumed) p.catch(() => {})
  }
}
