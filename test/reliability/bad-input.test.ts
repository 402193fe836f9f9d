// Bad input: fuzzed WebSocket frames and HTTP bodies against a server in its own process; clean answers, it stays up.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { RawWs, api, expectErrorShape, json, leakIn, prng, startServerChild, type Target } from './helpers.ts'
import { waitFor } from '../support/wait.ts'

// 1,000 of each (FUZZ_COUNT; `bun run soak` runs 10,000): random bytes, wrong types, huge numbers, deep nesting 10k
// levels, unknown fields, oversize. Every answer is the error shape (or a close with a clear code), nothing leaks a
// stack trace or a file path, and the server stays up.
// Seeded: a failure names its seed and case so it can be replayed.

const SEED = Number(process.env.FUZZ_SEED ?? 20261122)
const COUNT = Number(process.env.FUZZ_COUNT ?? 1000)
const WS_FRAMES = COUNT
const HTTP_BODIES = COUNT
const TIME = Math.max(1, COUNT / 1000) // per-test timeouts scale with the count
// CCHUB_MAX_BODY_BYTES (default): larger bodies get 413 PAYLOAD_TOO_LARGE in the error shape
const MAX_BODY = 1024 * 1024

let t: Target
beforeAll(async () => {
  // rate limits high enough that the handlers, not the limiter, answer most frames (the limiter has its own tests)
  t = await startServerChild({
    flags: [
      '--ws-rate-limit',
      '100000',
      '--ws-rate-burst',
      '100000',
      '--max-upload-bytes',
      '1048576',
      '--login-max-failures',
      '1000',
    ],
  })
}, 30_000)
afterAll(async () => {
  await t?.stop()
})

const WS_TYPES = [
  'auth',
  'ping',
  'subscribe',
  'unsubscribe',
  'command',
  'claude_message',
  'typing',
  'code_change',
  'cursor_update',
  'invite_user',
  'remove_user',
  'change_role',
  'upload_start',
  'upload_chunk',
  'upload_status',
  'upload_cancel',
  'share_file',
  'delete_file',
  'session_join',
  'join_collaboration',
  'leave_collaboration',
  'nope',
  '',
  'PING',
  '__proto__',
  'constructor',
]
const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\uffff',
  '\ud800',
  '💥'.repeat(50),
  'x'.repeat(70_000),
  '../../etc/passwd',
  'session:',
  'task:../../x',
  'user:*',
  'workspace:%00',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  "' OR 1=1 --",
  'null',
  'NaN',
  '1e400',
]
const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '1e308',
  '9007199254740993',
  '-0',
  '123456789012345678901234567890',
  '0.0000000000000000000001',
  '4294967296',
  '-1',
]

function fuzzer(seed: number) {
  const r = prng(seed)
  const int = (n: number) => Math.floor(r() * n)
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!
  const str = () =>
    r() < 0.4 ? pick(WEIRD_STRINGS) : Array.from({ length: int(40) }, () => String.fromCharCode(32 + int(95))).join('')
  /** Random JSON text: may contain unescaped huge numbers, so it is built as text. */
  const value = (depth: number): string => {
    const k = int(depth > 3 ? 5 : 8)
    if (k === 0) return JSON.stringify(str())
    if (k === 1) return r() < 0.5 ? pick(HUGE_NUMBERS) : String(Math.round((r() - 0.5) * 1e6))
    if (k === 2) return pick(['true', 'false', 'null'])
    if (k === 3) return '[]'
    if (k === 4) return '{}'
    if (k < 6) return `[${Array.from({ length: int(4) }, () => value(depth + 1)).join(',')}]`
    return `{${Array.from({ length: int(5) }, () => `${JSON.stringify(pick(['id', 'type', 'data', 'channel', 'since', 'token', 'name', 'prompt', '__proto__', 'constructor', 'x', str()]))}:${value(depth + 1)}`).join(',')}}`
  }
  const deep = (n: number) => (r() < 0.5 ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n))
  const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(new ArrayBuffer(n)))
  return { r, int, pick, str, value, deep, randomBytes }
}

type WsCase = { kind: string; text?: string; bytes?: Uint8Array; invalidUtf8?: boolean; id?: string }

function wsCase(f: ReturnType<typeof fuzzer>, i: number): WsCase {
  const id = `f${i}`
  if (i % 250 === 249) return { kind: 'oversize', text: `{"type":"ping","data":"${'x'.repeat(1_100_000)}"}` }
  if (i % 250 === 124)
    return { kind: 'invalid UTF-8', bytes: new Uint8Array([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]), invalidUtf8: true }
  const type = f.pick(WS_TYPES)
  switch (f.int(9)) {
    case 0:
      return { kind: 'random bytes (binary)', bytes: f.randomBytes(1 + f.int(300)) }
    case 1:
      return { kind: 'random text', text: f.str() }
    case 2:
      return {
        kind: 'deep nesting',
        text: `{"type":${JSON.stringify(type)},"id":"${id}","data":${f.deep(10_000)}}`,
        id,
      }
    case 3:
      return { kind: 'bare deep nesting', text: f.deep(10_000) }
    case 4:
      return {
        kind: 'huge numbers',
        text: `{"type":${JSON.stringify(type)},"id":"${id}","channel":"session:${f.pick(HUGE_NUMBERS)}","data":{"since":${f.pick(HUGE_NUMBERS)},"limit":${f.pick(HUGE_NUMBERS)}}}`,
        id,
      }
    case 5:
      return {
        kind: 'wrong types',
        text: `{"type":${f.r() < 0.3 ? f.value(3) : JSON.stringify(type)},"id":"${id}","channel":${f.value(3)},"data":${f.value(0)}}`,
        id,
      }
    case 6:
      return {
        kind: 'unknown fields',
        text: `{"type":${JSON.stringify(type)},"id":"${id}","data":{${JSON.stringify(f.str())}:${f.value(2)}},${JSON.stringify(f.str() || 'k')}:${f.value(2)}}`,
        id,
      }
    case 7:
      return f.r() < 0.05
        ? { kind: 'invalid UTF-8', bytes: new Uint8Array([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]), invalidUtf8: true }
        : { kind: 'random JSON', text: f.value(0) }
    default:
      return f.r() < 0.02
        ? { kind: 'oversize', text: `{"type":"ping","data":"${'x'.repeat(1_100_000)}"}` }
        : { kind: 'random envelope', text: `{"type":${JSON.stringify(type)},"id":"${id}","data":${f.value(0)}}`, id }
  }
}

const ALLOWED_CLOSES = new Set([1007, 1008, 1009])

test(
  `${WS_FRAMES} fuzzed WebSocket frames: error-shaped answers or clear closes, no leaks, server alive`,
  async () => {
    const f = fuzzer(SEED)
    const stats: Record<string, number> = {}
    let ws: RawWs | null = null
    let inbox: string[] = []
    let closed: { code: number; reason: string } | null = null
    const open = async () => {
      inbox = []
      closed = null
      ws = await RawWs.connect(t.port, t.wsPath, {
        onText: (_w, text) => inbox.push(text),
        onClose: (_w, code, reason) => (closed = { code, reason }),
      })
      const end = Date.now() + 3000
      while (!inbox.length && Date.now() < end) await Bun.sleep(2)
      expect(JSON.parse(inbox.shift()!).type).toBe('connected')
    }
    await open()
    for (let i = 0; i < WS_FRAMES; i++) {
      const c = wsCase(f, i)
      const what = `seed ${SEED} ws case ${i} (${c.kind})`
      if (c.text !== undefined) ws!.sendText(c.text)
      else ws!.sendFrame(c.invalidUtf8 ? 0x1 : 0x2, c.bytes!)
      // exactly one answer per frame: a reply, or the socket closing
      const end = Date.now() + 5000
      while (!inbox.length && !closed && Date.now() < end) await Bun.sleep(1)
      if (inbox.length) {
        const text = inbox.shift()!
        const leak = leakIn(text)
        if (leak) throw new Error(`${what}: reply leaks a ${leak}: ${text.slice(0, 300)}`)
        const m = JSON.parse(text)
        if (typeof m.type !== 'string' || typeof m.timestamp !== 'string')
          throw new Error(`${what}: reply is not an envelope: ${text.slice(0, 300)}`)
        if (m.type === 'error') {
          if (!/^[A-Z][A-Z_]+$/.test(m.data?.code ?? '') || typeof m.data?.message !== 'string')
            throw new Error(`${what}: error without code/message: ${text.slice(0, 300)}`)
          if (c.id && m.id !== undefined && m.id !== c.id)
            throw new Error(`${what}: reply to another id: ${text.slice(0, 200)}`)
          stats[m.data.code] = (stats[m.data.code] ?? 0) + 1
        } else {
          // a frame that happened to be valid (a ping with extra fields, an unsubscribe of nothing…)
          if (!['pong', 'success'].includes(m.type))
            throw new Error(`${what}: unexpected ${m.type}: ${text.slice(0, 300)}`)
          stats[m.type] = (stats[m.type] ?? 0) + 1
        }
      } else if (closed) {
        const cl = closed as { code: number; reason: string }
        if (!ALLOWED_CLOSES.has(cl.code)) throw new Error(`${what}: closed with ${cl.code} ${cl.reason}`)
        const leak = leakIn(cl.reason)
        if (leak) throw new Error(`${what}: close reason leaks a ${leak}`)
        stats[`close ${cl.code}`] = (stats[`close ${cl.code}`] ?? 0) + 1
        stats.closed_without_reply = (stats.closed_without_reply ?? 0) + 1
      } else {
        throw new Error(`${what}: no answer within 5 s`)
      }
      // repeated abuse closes the socket after its error reply (as it should): count it, come back and go on
      if (closed && inbox.length === 0) await Bun.sleep(1)
      if (closed) {
        const cl = closed as { code: number; reason: string }
        if (!ALLOWED_CLOSES.has(cl.code)) throw new Error(`${what}: closed with ${cl.code} ${cl.reason}`)
        if (c.kind !== 'invalid UTF-8' && c.kind !== 'oversize')
          stats[`close ${cl.code}`] = (stats[`close ${cl.code}`] ?? 0) + 1
        await open() // the old socket is closed (onClose ran): a fresh one, with an empty inbox
      }
    }
    ws!.close()
    console.log('ws answers', JSON.stringify(stats))
    // answers were errors (and a few valid frames); abuse closes happened; the server is fine
    expect(stats.INVALID_JSON ?? 0).toBeGreaterThan(50)
    expect(stats['close 1008'] ?? 0).toBeGreaterThan(0)
    expect(stats['close 1009'] ?? 0).toBeGreaterThan(0)
    expect((await fetch(`${t.url}/health`)).status).toBe(200)
    expect(t.child.exitCode).toBeNull()
  },
  120_000 * TIME,
)

interface Route {
  method: string
  path: string
}

test(
  `${HTTP_BODIES} fuzzed HTTP bodies on every write route: error shape (or a valid success), no 5xx, no leaks, server alive`,
  async () => {
    const doc = (await (await fetch(`${t.url}/swagger/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const routes: Route[] = []
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        // logout would revoke the token the fuzzer uses; DELETEs carry no body worth fuzzing
        if (!['post', 'put', 'patch'].includes(method) || path === '/api/v1/auth/logout') continue
        routes.push({ method: method.toUpperCase(), path })
      }
    }
    expect(routes.length).toBeGreaterThan(15)
    const f = fuzzer(SEED + 1)
    const contentTypes = [
      'application/json',
      'application/json',
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'multipart/form-data',
      'application/octet-stream',
      '',
    ]
    const stats: Record<string, number> = {}
    let next = 0
    const one = async (i: number) => {
      const route = routes[i % routes.length]!
      const path = route.path.replace(/\{[^}]+\}/g, () =>
        f.r() < 0.5 ? crypto.randomUUID() : encodeURIComponent(f.str().toWellFormed()).slice(0, 100) || 'x',
      )
      let body: string | Uint8Array<ArrayBuffer>
      let kind: string
      switch (f.int(8)) {
        case 0:
          kind = 'random bytes'
          body = f.randomBytes(f.int(2000))
          break
        case 1:
          kind = 'deep nesting'
          body = f.deep(10_000)
          break
        case 2:
          kind = 'huge numbers'
          body = `{"name":${f.pick(HUGE_NUMBERS)},"limit":${f.pick(HUGE_NUMBERS)},"max_turns":${f.pick(HUGE_NUMBERS)},"role":${f.pick(HUGE_NUMBERS)}}`
          break
        case 3:
          kind = 'oversize'
          body =
            f.r() < 0.1
              ? `{"name":"${'x'.repeat(MAX_BODY + 1000)}"}`
              : `{"name":"${'x'.repeat(200_000 + f.int(2_000_000))}"}`
          break
        default:
          kind = 'random JSON'
          body = f.value(0)
      }
      const ct = f.pick(contentTypes)
      const auth = f.r() < 0.85
      const what = `seed ${SEED + 1} http case ${i} (${kind}, ${route.method} ${path}, ${ct || 'no content-type'})`
      const res = await fetch(`${t.url}${path}`, {
        method: route.method,
        headers: { ...(ct ? { 'content-type': ct } : {}), ...(auth ? { authorization: `Bearer ${t.token}` } : {}) },
        body,
      })
      if (res.status >= 500) throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`)
      if (res.status < 400) {
        await res.arrayBuffer()
        stats[`${res.status}`] = (stats[`${res.status}`] ?? 0) + 1
        return
      }
      const code = await expectErrorShape(res, what)
      const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length
      if (size > MAX_BODY && !path.endsWith('/files/upload')) expect(code, what).toBe('PAYLOAD_TOO_LARGE') // uploads: their own limit
      stats[code] = (stats[code] ?? 0) + 1
    }
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < HTTP_BODIES) await one(next++)
      }),
    )
    console.log('http answers', JSON.stringify(stats))
    expect(stats.VALIDATION_FAILED ?? 0).toBeGreaterThan(50)
    expect(stats.UNAUTHORIZED ?? 0).toBeGreaterThan(20)
    expect((await fetch(`${t.url}/health`)).status).toBe(200)
    expect(t.child.exitCode).toBeNull()
  },
  180_000 * TIME,
)

test('the reported cases: a 100,000-level body, offset=99999999999999999999, a 50,000-level metadata (REST and frame): 4xx, nothing created', async () => {
  const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)
  const post = (path: string, body: string) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
      body,
    })
  const sessions = async () => (await json(api(t, '/api/v1/claude/sessions'))).total as number
  const ws = await json(api(t, '/api/v1/workspaces', { body: { name: 'reported-cases' } }))
  const before = await sessions()
  expect(await expectErrorShape(await post('/api/v1/broadcast', `{"data":${deep(100_000)}}`), '100k-level body')).toBe(
    'VALIDATION_FAILED',
  )
  expect(
    await expectErrorShape(await api(t, '/api/v1/claude/sessions?offset=99999999999999999999'), 'huge offset'),
  ).toBe('VALIDATION_FAILED')
  const execute = `{"workspace_id":"${ws.id}","prompt":"hi","metadata":{"m":${deep(50_000)}}}`
  expect(await expectErrorShape(await post('/api/v1/claude/execute', execute), '50k-level metadata')).toBe(
    'VALIDATION_FAILED',
  )
  const inbox: string[] = []
  const sock = await RawWs.connect(t.port, t.wsPath, { onText: (_w, text) => inbox.push(text) })
  sock.sendText(`{"type":"command","id":"deep","data":{"action":"execute",${execute.slice(1, -1)}}}`)
  await waitFor(() => inbox.some((m) => JSON.parse(m).id === 'deep'), 5000, 'the reply to the deep frame')
  expect(JSON.parse(inbox.find((m) => JSON.parse(m).id === 'deep')!).data.code).toBe('VALIDATION_FAILED')
  sock.close()
  expect(await sessions()).toBe(before)
  expect(t.child.exitCode).toBeNull()
})
