// Slow consumers: a client that never reads is closed once its send buffer passes wsBackpressureLimit.
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from 'bun:test'
import { RawWsClient } from '../support/raw-ws.ts'
import { waitFor } from '../support/ws-client.ts'
import { createWorkspace, startHub, stats, stopHub, wsUrl, type Hub } from './helpers.ts'
import { expectSeqs } from '../support/seqs.ts'

// A fast client on the same channel receives everything in order; memory stays bounded; the closed client recovers what
// it missed by replay.

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

const LIMIT = 65_536
const N = 2000
const PAYLOAD = 'x'.repeat(4096)

let h: Hub
let raws: RawWsClient[] = []
beforeEach(async () => {
  h = await startHub({ wsBackpressureLimit: LIMIT })
}, 20_000)
afterEach(async () => {
  for (const r of raws) r.destroy()
  raws = []
  await stopHub(h)
}, 20_000)

async function stuckClient(channel: string): Promise<RawWsClient> {
  const raw = await RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`)
  raws.push(raw)
  raw.send({ type: 'subscribe', id: 'sub', channel, data: { since: 0 } })
  const reply = await raw.waitFor((m) => m.id === 'sub')
  expect(reply.type).toBe('success')
  raw.pause()
  return raw
}

async function publish(channel: string, onTick?: () => void): Promise<void> {
  const pending: Promise<unknown>[] = []
  for (let i = 1; i <= N; i++) {
    pending.push(h.s.services.log.emit(channel, 'log', { i, payload: PAYLOAD }))
    if (i % 25 === 0) {
      await new Promise((r) => setImmediate(r))
      onTick?.()
    }
  }
  await Promise.all(pending)
}

test('a stuck client is closed at the backpressure limit; a fast one gets everything in order; its buffer stays bounded', async () => {
  const channel = `workspace:${await createWorkspace(h.s, h.admin, 'slow')}`
  const stuck = await Promise.all([0, 1, 2].map(() => stuckClient(channel)))
  const fast = await h.pool.connect(wsUrl(h.s, h.admin))
  await fast.subscribe(channel, 0)
  const gw = h.s.services.gateway
  expect(gw.connections.size).toBe(4)
  const fastId = fast.messages.find((m) => m.type === 'connected')!.data.connection_id as string

  // memory is bounded by the buffer sizes measured here; RSS bounds live in bench/ and the soak, where a process of its
  // own is measured (this one also holds the clients, and 3 × 8 MB of buffers would hide in allocator slack)
  let maxBuffered = 0
  await publish(channel, () => {
    for (const c of gw.connections.values())
      if (c.id !== fastId) maxBuffered = Math.max(maxBuffered, c.ws.getBufferedAmount())
  })

  await fast.until(() => fast.channelMessages(channel).length >= N, 10_000, 'fast client to receive everything')
  const seqs = fast.channelMessages(channel).map((m) => m.seq!)
  expect(seqs.length).toBe(N)
  expectSeqs(seqs, 0, { what: 'fast client' })
  expect(fast.isClosed).toBe(false)

  // the stuck ones were closed by the server; only the fast one is left
  await waitFor(() => gw.connections.size === 1, 5000, 'stuck clients to be closed')
  expect([...gw.connections.keys()]).toEqual([fastId])
  // the server never held much more than the limit for one socket (plus the frame that crossed it)
  expect(maxBuffered).toBeLessThanOrEqual(LIMIT + 8192)

  const st = await stats(h)
  expect(st.connections.total).toBe(1)
  expect(st.subscriptions[channel]).toBe(1)
  expect(st.drops.backpressure_closes).toBe(3)
  expect((await fast.request({ type: 'ping' })).type).toBe('pong')
  for (const r of stuck) expect(r.messages.filter((m) => m.channel === channel).length).toBeLessThan(N)
}, 20_000)

test('the closed client recovers what it missed by replay with since', async () => {
  const channel = `workspace:${await createWorkspace(h.s, h.admin, 'recover')}`
  const stuck = await stuckClient(channel)
  await publish(channel)
  const gw = h.s.services.gateway
  await waitFor(() => gw.connections.size === 0, 5000, 'stuck client to be closed')
  // it reads whatever reached it before the server cut it off
  stuck.resume()
  await stuck.waitEnded(3000)
  const got = stuck.messages.filter((m) => m.channel === channel).map((m) => m.seq as number)
  expectSeqs(got, 0, { what: 'what the stuck client got before the cut' })
  expect(got.length).toBeLessThan(N)
  const last = got.at(-1) ?? 0

  const back = await h.pool.connect(wsUrl(h.s, h.admin))
  const reply = await back.subscribe(channel, last, 10_000)
  expect(reply.truncated).toBeUndefined()
  await back.until(() => back.channelMessages(channel).length >= N - last, 10_000, 'the rest to be replayed')
  expect(back.isClosed).toBe(false)
  const rest = back.channelMessages(channel).map((m) => m.seq!)
  expect(rest.length).toBe(N - last)
  expectSeqs(rest, last, { what: 'replayed rest' })
  expect(reply.seq).toBe(N)
}, 20_000)
