// Server-Sent Events: GET /api/v1/events?channel=… with /ws's access rules, id = seq, resuming after Last-Event-ID.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { waitFor } from '../support/ws-client.ts'
import { createWorkspace, startHub, stopHub, wsUrl, type Hub } from './helpers.ts'
import { expectSeqs } from '../support/seqs.ts'

// For several channels the id is channel=seq;…. Read with fetch + a body reader and aborted at the end.

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

interface SseEvent {
  id?: string
  event?: string
  data?: string
  json?: any
}

class SseReader {
  readonly events: SseEvent[] = []
  readonly comments: string[] = []
  done = false
  private buf = ''
  constructor(
    readonly res: Response,
    private readonly ac: AbortController,
  ) {
    void this.pump()
  }

  private async pump() {
    const reader = this.res.body!.getReader()
    const dec = new TextDecoder()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        this.buf += dec.decode(value, { stream: true })
        let i: number
        while ((i = this.buf.indexOf('\n\n')) >= 0) {
          const block = this.buf.slice(0, i)
          this.buf = this.buf.slice(i + 2)
          const ev: SseEvent = {}
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) this.comments.push(line.slice(1).trim())
            else if (line.startsWith('id: ')) ev.id = line.slice(4)
            else if (line.startsWith('event: ')) ev.event = line.slice(7)
            else if (line.startsWith('data: ')) ev.data = (ev.data === undefined ? '' : ev.data + '\n') + line.slice(6)
          }
          if (ev.data !== undefined) {
            ev.json = JSON.parse(ev.data)
            this.events.push(ev)
          }
        }
      }
    } catch {
      // aborted
    } finally {
      this.done = true
    }
  }

  /** Events of one channel that carry a seq. */
  seqs(channel: string): number[] {
    return this.events.filter((e) => e.json.channel === channel && e.json.seq !== undefined).map((e) => e.json.seq)
  }

  async until(pred: () => boolean, ms = 3000, what = 'events') {
    await waitFor(
      pred,
      ms,
      `${what} (have ${this.events.length}: ${JSON.stringify(this.events.slice(-2)).slice(0, 300)})`,
    )
  }

  lastId(): string | undefined {
    return this.events.filter((e) => e.id !== undefined).at(-1)?.id
  }

  abort() {
    this.ac.abort()
  }
}

let h: Hub
let small: Hub
let bob: { id: string; token: string }
const readers: SseReader[] = []

beforeAll(async () => {
  h = await startHub()
  small = await startHub({ wsBackpressureLimit: 65_536 })
  bob = await h.s.createUser(h.admin, 'bob')
}, 20_000)
afterEach(async () => {
  const open = readers.splice(0)
  for (const r of open) r.abort()
  await waitFor(() => open.every((r) => r.done), 3000, 'the aborted SSE readers to end')
}, 20_000)
afterAll(async () => {
  await stopHub(h)
  await stopHub(small)
}, 20_000)

function query(channels: string[]): string {
  return channels.map((c) => `channel=${encodeURIComponent(c)}`).join('&')
}

async function open(token: string | undefined, channels: string[], lastEventId?: string, hub = h): Promise<SseReader> {
  const ac = new AbortController()
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (token) headers.authorization = `Bearer ${token}`
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
  const res = await fetch(`${hub.s.url}/api/v1/events?${query(channels)}`, { headers, signal: ac.signal })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/event-stream')
  const r = new SseReader(res, ac)
  readers.push(r)
  await waitFor(() => r.comments.length > 0, 2000, 'the stream preamble') // the stream is set up (replay done)
  return r
}

const emit = (channel: string, data: Record<string, unknown>, type = 'log') =>
  h.s.services.log.emit(channel, type, data)
const taps = () => (h.s.services.gateway as unknown as { taps: Set<unknown> }).taps.size

describe('SSE', () => {
  test('live events on user:<id>, with id = seq and event = type; aborting the request releases the stream', async () => {
    const ch = `user:${bob.id}`
    const before = taps()
    const r = await open(bob.token, [ch])
    expect(taps()).toBe(before + 1)
    const s1 = await emit(ch, { n: 1 }, 'notice')
    const s2 = await emit(ch, { n: 2 })
    await r.until(() => r.events.length >= 2)
    expect(r.events.map((e) => [e.id, e.event])).toEqual([
      [String(s1), 'notice'],
      [String(s2), 'log'],
    ])
    expect(r.events[0]!.json).toMatchObject({ type: 'notice', channel: ch, seq: s1, data: { n: 1 } })
    r.abort()
    await waitFor(() => taps() === before, 2000, 'the server to drop the tap')
  })

  test('reconnect with Last-Event-ID resumes exactly after it, even with publishing going on meanwhile', async () => {
    const ch = `workspace:${await createWorkspace(h.s, bob.token, 'sse')}`
    const first = await open(bob.token, [ch])
    for (let i = 1; i <= 10; i++) await emit(ch, { i })
    await first.until(() => first.events.length >= 10)
    const seen = first.seqs(ch).slice(0, 6)
    const lastId = String(seen.at(-1)) // pretend the client only got the first 6
    first.abort()
    // meanwhile: lots more, some of which are older than the ring keeps
    const pending: Promise<unknown>[] = []
    for (let i = 11; i <= 1500; i++) pending.push(emit(ch, { i }))
    await Promise.all(pending)

    const second = await open(bob.token, [ch], lastId)
    const during: Promise<unknown>[] = []
    for (let i = 1501; i <= 1600; i++) during.push(emit(ch, { i }))
    await Promise.all(during)
    // marker: one more event after the rest; a duplicate or stray one would have come before it
    const marker = await emit(ch, { i: 'marker' })
    await second.until(() => second.seqs(ch).includes(marker!), 5000)
    expectSeqs(second.seqs(ch), 6, { through: marker!, what: 'resumed SSE stream' })
    expect(second.events.every((e) => e.id === String(e.json.seq))).toBe(true)
  })

  test('several channels: ids are channel=seq;channel=seq and Last-Event-ID resumes each', async () => {
    const a = `user:${bob.id}`
    const b = `workspace:${await createWorkspace(h.s, bob.token, 'sse-multi')}`
    const r1 = await open(bob.token, [a, b, 'broadcast'])
    const a1 = await emit(a, { x: 'a' })
    const b1 = await emit(b, { x: 'b' })
    await emit('broadcast', { x: 'all' })
    await r1.until(() => r1.events.length >= 3)
    const ids = r1.events.filter((e) => e.id !== undefined).map((e) => e.id!)
    expect(ids.length).toBe(2) // live-only broadcast carries no id
    const last = ids.at(-1)!
    const parts = Object.fromEntries(
      last.split(';').map((p) => [p.slice(0, p.lastIndexOf('=')), Number(p.slice(p.lastIndexOf('=') + 1))]),
    )
    expect(parts).toEqual({ [a]: a1!, [b]: b1! })
    expect(r1.events.find((e) => e.json.channel === 'broadcast')).toMatchObject({
      event: 'log',
      json: { data: { x: 'all' } },
    })
    r1.abort()

    const a2 = await emit(a, { x: 'a2' })
    const b2 = await emit(b, { x: 'b2' })
    const b3 = await emit(b, { x: 'b3' })
    const r2 = await open(bob.token, [a, b], last)
    await r2.until(() => r2.events.length >= 3)
    expect(r2.lastId()).toBe(`${a}=${a2};${b}=${b3}`)
    // marker: a later event on the same stream; anything extra from the resume would have come before it
    const b4 = await emit(b, { x: 'marker' })
    await r2.until(() => r2.seqs(b).includes(b4!))
    expect(r2.seqs(a)).toEqual([a2!])
    expect(r2.seqs(b)).toEqual([b2!, b3!, b4!])
  })

  test('unauthenticated → 401; a channel the user may not read → 403; a bad channel name → 422', async () => {
    const noAuth = await fetch(`${h.s.url}/api/v1/events?channel=system`)
    expect(noAuth.status).toBe(401)
    expect((await noAuth.json()).code).toBe('UNAUTHORIZED')
    const forbidden = await fetch(`${h.s.url}/api/v1/events?${query(['system', `user:${h.adminId}`])}`, {
      headers: { authorization: `Bearer ${bob.token}` },
    })
    expect(forbidden.status).toBe(403)
    expect((await forbidden.json()).code).toBe('FORBIDDEN')
    const bad = await fetch(`${h.s.url}/api/v1/events?channel=nope:1`, {
      headers: { authorization: `Bearer ${bob.token}` },
    })
    expect(bad.status).toBe(422)
    await bad.text()
  })

  test('an API key works for SSE (X-API-Key), and system events arrive without ids', async () => {
    const { key } = (await (
      await h.s.api('/api/v1/auth/api-keys', { token: bob.token, body: { name: 'sse' } })
    ).json()) as { key: string }
    const ac = new AbortController()
    const res = await fetch(`${h.s.url}/api/v1/events?channel=system`, {
      headers: { 'x-api-key': key },
      signal: ac.signal,
    })
    expect(res.status).toBe(200)
    const r = new SseReader(res, ac)
    readers.push(r)
    await waitFor(() => r.comments.length > 0, 2000, 'preamble')
    await emit('system', { up: true }, 'maintenance')
    await r.until(() => r.events.length >= 1)
    expect(r.events[0]).toMatchObject({ event: 'maintenance', json: { channel: 'system', data: { up: true } } })
    expect(r.events[0]!.id).toBeUndefined()
  })
})

describe('replay that cannot make progress', () => {
  // Rows gone from the store without a prune (a damaged store): the oldest kept seq is below the cursor, so there is
  // nothing to skip to, and the ring (512 per channel, trimmed at 1,024) no longer reaches back. Both transports
  // share one replay, whose progress guard gives up after a few empty reads instead of spinning for ever.
  test('the SSE stream ends and the subscribe gets an error, instead of spinning for ever', async () => {
    const ch = `workspace:${await createWorkspace(h.s, h.admin, 'sse-stuck')}`
    const pending: Promise<unknown>[] = []
    for (let i = 1; i <= 1100; i++) pending.push(emit(ch, { i }))
    await Promise.all(pending)
    const db = (h.s.services.store as unknown as { db: { query(sql: string): { run(...a: unknown[]): unknown } } }).db
    db.query('DELETE FROM events WHERE channel = ? AND seq > 5').run(ch)
    const before = taps()
    const r = await open(h.admin, [ch], '5')
    await waitFor(() => r.done, 5000, 'the stream to end')
    expect(r.events).toEqual([])
    await waitFor(() => taps() === before, 2000, 'the stream to be unregistered')

    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    const reply = await c.request({ type: 'subscribe', channel: ch, data: { since: 5 } })
    expect(reply.type).toBe('error')
  })
})

describe('SSE slow readers (wsBackpressureLimit 64 KiB)', () => {
  const PAYLOAD = 'x'.repeat(4096)
  const tapsOf = (hub: Hub) => (hub.s.services.gateway as unknown as { taps: Set<unknown> }).taps.size

  test('a reader that never reads is cut off at the limit; a reading one gets everything in order', async () => {
    const ch = `user:${small.adminId}`
    // the stuck reader: raw TCP, request sent, then no more reading
    let stuckBytes = 0
    const stuck = await Bun.connect({
      hostname: '127.0.0.1',
      port: small.s.port,
      socket: { data: (_s, d) => void (stuckBytes += d.length) },
    })
    stuck.write(
      `GET /api/v1/events?channel=${encodeURIComponent(ch)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${small.admin}\r\n\r\n`,
    )
    await waitFor(() => stuckBytes > 0, 2000, 'the stuck stream to start')
    stuck.pause()
    try {
      const fast = await open(small.admin, [ch], undefined, small)
      expect(tapsOf(small)).toBe(2)
      const pending: Promise<unknown>[] = []
      for (let i = 1; i <= 2000; i++) {
        pending.push(small.s.services.log.emit(ch, 'log', { i, payload: PAYLOAD }))
        if (i % 25 === 0) await new Promise((r) => setImmediate(r))
      }
      await Promise.all(pending)
      await fast.until(() => fast.events.length >= 2000, 10_000)
      expectSeqs(fast.seqs(ch), 0, { what: 'fast SSE reader' })
      expect(fast.done).toBe(false)
      // the stuck one was dropped by the server (its tap is gone), so it holds no more than about the limit
      await waitFor(() => tapsOf(small) === 1, 3000, 'the stuck stream to be dropped')
    } finally {
      stuck.end()
    }
  }, 20_000)

  test("a resume far behind is replayed at the reader's pace, not cut off", async () => {
    const ch = `workspace:${await createWorkspace(small.s, small.admin, 'sse-slow')}`
    const pending: Promise<unknown>[] = []
    for (let i = 1; i <= 2000; i++) pending.push(small.s.services.log.emit(ch, 'log', { i, payload: PAYLOAD }))
    await Promise.all(pending)
    const r = await open(small.admin, [ch], '0', small)
    await r.until(() => r.events.length >= 2000, 10_000)
    expectSeqs(r.seqs(ch), 0, { what: 'replayed SSE stream' })
    expect(r.done).toBe(false)
    await small.s.services.log.emit(ch, 'log', { i: 2001, payload: '' })
    await r.until(() => r.events.length >= 2001)
  }, 20_000)
})
