// Replays reading the store take turns (wsReplayConcurrency), so reconnect waves cannot fill memory with send buffers.
import { afterEach, expect, setDefaultTimeout, test } from 'bun:test'
import type { Config } from '../../src/config/schema.ts'
import { Slots } from '../../src/core/slots.ts'
import { RawWsClient } from '../support/raw-ws.ts'
import { waitFor } from '../support/ws-client.ts'
import { createWorkspace, startHub, stats, stopHub, wsUrl, type Hub } from './helpers.ts'
import { expectSeqs } from '../support/seqs.ts'

// A replay that fits in the ring never waits, and everyone still gets every seq exactly once.

setDefaultTimeout(30_000)

const N = 3000
const PAYLOAD = 'y'.repeat(8192) // 24 MB in all: more than loopback's socket buffers can swallow for a paused client

let h: Hub
let raws: RawWsClient[] = []
const hub = async (overrides: Partial<Config> = {}) =>
  (h = await startHub({ wsReplayConcurrency: 1, wsBackpressureLimit: 262_144, ...overrides }))
afterEach(async () => {
  for (const r of raws) r.destroy()
  raws = []
  await stopHub(h)
}, 20_000)

const seqsOf = (r: RawWsClient, channel: string) =>
  r.messages.filter((m) => m.channel === channel).map((m) => m.seq as number)

async function subscriber(channel: string): Promise<RawWsClient> {
  const r = await RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`)
  raws.push(r)
  r.send({ type: 'subscribe', id: 'sub', channel, data: { since: 0 } })
  return r
}

/** N big events on a new channel; A asks for all of them and stops reading (holding the only slot), B queues behind. */
async function holderAndWaiter(name: string) {
  const channel = `workspace:${await createWorkspace(h.s, h.admin, name)}`
  const pending: Promise<unknown>[] = []
  for (let i = 1; i <= N; i++) pending.push(h.s.services.log.emit(channel, 'log', { i, payload: PAYLOAD }))
  await Promise.all(pending)
  const gw = h.s.services.gateway
  const a = await subscriber(channel)
  a.pause()
  await waitFor(() => gw.replaySlots.inUse === 1, 5000, 'A to hold the replay slot')
  const b = await subscriber(channel)
  await waitFor(() => gw.replaySlots.queued === 1, 5000, 'B to wait for a slot')
  return { channel, gw, a, b }
}

test('Slots: one key may take every free slot, but a freed slot goes to the waiting key that holds the fewest', async () => {
  const slots = new Slots(2)
  const a1 = await slots.acquire('a')
  await slots.acquire('a') // nobody else waits: a may hold both
  const order: string[] = []
  const a3 = slots.acquire('a').then((release) => (order.push('a'), release))
  const b1 = slots.acquire('b').then((release) => (order.push('b'), release))
  expect([slots.inUse, slots.queued]).toEqual([2, 2])
  a1()
  await b1 // b asked later but holds none, a holds one
  expect(order).toEqual(['b'])
  ;(await b1)()
  ;(await a3)()
  expect(order).toEqual(['b', 'a'])
})

test('Slots: at most size holders, FIFO hand-over, release is idempotent', async () => {
  const slots = new Slots(2)
  const order: number[] = []
  const a = await slots.acquire()
  const b = await slots.acquire()
  const waiters = [3, 4].map((n) => slots.acquire().then((release) => (order.push(n), release)))
  expect([slots.inUse, slots.queued]).toEqual([2, 2])
  a()
  a()
  const c = await waiters[0]!
  expect([slots.inUse, slots.queued, order]).toEqual([2, 1, [3]])
  b()
  c()
  ;(await waiters[1]!)()
  expect([slots.inUse, slots.queued, order]).toEqual([0, 0, [3, 4]])
})

test('with one slot a second store replay waits while the first is stuck, ring replays do not; both end with every seq once', async () => {
  await hub()
  const { channel, gw, a, b } = await holderAndWaiter('slots')
  // B needs the store too: it waits its turn (queued for a slot, so nothing can be sent to it) and gets nothing
  // meanwhile
  expect(gw.replaySlots.queued).toBe(1)
  expect(seqsOf(b, channel)).toEqual([])
  expect((await stats(h)).replays).toMatchObject({ active: 1, waiting: 1 })

  // C is only 10 behind: the ring covers it, so it never queues
  const c = await h.pool.connect(wsUrl(h.s, h.admin))
  const sub = await c.subscribe(channel, N - 10)
  expect(sub).toMatchObject({ replayed: 10, seq: N })
  expect(gw.replaySlots.queued).toBe(1)

  a.resume()
  await a.waitFor((m) => m.id === 'sub', 20_000)
  await b.waitFor((m) => m.id === 'sub', 20_000)
  for (const [name, r] of [
    ['A', a],
    ['B', b],
  ] as const) {
    const got = seqsOf(r, channel)
    expect(got.length).toBe(N)
    expectSeqs(got, 0, { what: name })
  }
  expect([gw.replaySlots.inUse, gw.replaySlots.queued]).toEqual([0, 0])
})

test('a replay waiting for a slot whose client goes away gives up without taking the slot for long', async () => {
  await hub()
  const { channel, gw, a, b } = await holderAndWaiter('gone')
  b.destroy()
  a.destroy() // the holder vanishes too: its replay ends and hands the slot on, B's replay sees B is gone
  await waitFor(() => gw.replaySlots.inUse === 0 && gw.replaySlots.queued === 0, 5000, 'the slot to be free again')
  const c = await h.pool.connect(wsUrl(h.s, h.admin))
  expect(await c.subscribe(channel, 0, 15_000)).toMatchObject({ replayed: N, seq: N })
})

test('a client that stops reading mid-replay is cut off after the stall timeout, and the next replay gets the slot', async () => {
  await hub({ wsReplayStallTimeout: 0.5 })
  const { channel, gw, b } = await holderAndWaiter('stall')
  const t0 = Date.now()
  await b.waitFor((m) => m.id === 'sub', 10_000)
  expect(Date.now() - t0).toBeGreaterThanOrEqual(300)
  // A was dropped, not waited for (a paused client does not read the server's FIN: ask the server)
  await waitFor(() => gw.connections.size === 1, 5000, 'A to be cut off')
  const got = seqsOf(b, channel)
  expect(got.length).toBe(N)
  expectSeqs(got, 0, { what: 'B' })
  expect([gw.replaySlots.inUse, gw.replaySlots.queued]).toEqual([0, 0])
})
