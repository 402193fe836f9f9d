// Replay without gap or duplicate: clients leave and come back with `since` while a publisher keeps emitting.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { WsClient, withTimeout } from '../support/ws-client.ts'
import { createWorkspace, rand, startHub, stopHub, wsUrl, type Hub } from './helpers.ts'
import { expectSeqs } from '../support/seqs.ts'

// They do so many times, alone and concurrently; plus `truncated` (since older than kept) and `reset` (since ahead).

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

let h: Hub
const live = new Set<WsClient>()
beforeAll(async () => {
  h = await startHub()
}, 20_000)
afterEach(async () => {
  await Promise.all([...live].map((c) => c.close()))
  live.clear()
  await h.pool.closeAll()
}, 20_000)
afterAll(() => stopHub(h), 20_000)

const N = 2000

interface CyclerResult {
  /** Seqs received on each connection, in arrival order. */
  perConnection: number[][]
  cycles: number
  /** Cycles that began while the publisher was still emitting. */
  cyclesWhilePublishing: number
  midReplayCloses: number
}

let published = 0
let publishing = false
// more than the recent-frame ring holds (512..1024 per channel): replay must use the store
const STORE_REPLAY_GAP = 1100

/**
 * Connects, subscribes with `since` = last seq seen, stays online a random while (or drops the socket right after
 * asking, i.e. mid-replay, sometimes abruptly), goes offline a random while, and repeats until it has seen seq N
 * and done at least `minCycles` cycles. Once (at cycle 3) it stays offline until the publisher is more than
 * STORE_REPLAY_GAP ahead, so that the reconnect replays from the store while publishing goes on.
 */
async function cycler(channel: string, token: string, minCycles: number, deadline: number): Promise<CyclerResult> {
  const out: CyclerResult = { perConnection: [], cycles: 0, cyclesWhilePublishing: 0, midReplayCloses: 0 }
  let last = 0
  while (last < N || out.cycles < minCycles) {
    if (Date.now() > deadline) throw new Error(`cycler stuck at seq ${last} after ${out.cycles} cycles`)
    if (publishing) out.cyclesWhilePublishing++
    const c = new WsClient(wsUrl(h.s, token))
    live.add(c)
    const seqs: number[] = []
    const wrongData: number[] = []
    c.onMessage = (m) => {
      if (m.channel === channel && m.seq !== undefined) {
        seqs.push(m.seq)
        if (m.data.i !== m.seq) wrongData.push(m.seq)
      }
    }
    await withTimeout(c.opened, 3000, 'open')
    const mode = rand(1, 10)
    const reply = c.request({ type: 'subscribe', channel, data: { since: last } }, 10_000)
    if (mode <= 3) {
      // drop it while the replay may still be running
      await Bun.sleep(rand(0, 2))
      out.midReplayCloses++
      if (mode === 1) c.terminate()
      else c.ws.close()
      reply.catch(() => {})
    } else {
      const r = await reply
      if (r.type !== 'success') throw new Error(`subscribe failed: ${JSON.stringify(r.data)}`)
      if (r.data.truncated || r.data.reset) throw new Error(`unexpected ${JSON.stringify(r.data)}`)
      await Bun.sleep(rand(0, 25)) // random pacing: the subject is every interleaving of replay, live and close
      if (mode === 4) c.terminate()
      else c.ws.close()
    }
    await withTimeout(c.closed, 3000, 'close')
    live.delete(c)
    expectSeqs(seqs, last, { what: `connection ${out.cycles} (since ${last})` })
    if (wrongData.length)
      throw new Error(`frames whose data does not match their seq: ${wrongData.slice(0, 5).join(',')}`)
    if (seqs.length) last = seqs.at(-1)!
    out.perConnection.push(seqs)
    out.cycles++
    if (out.cycles === 3 && last + STORE_REPLAY_GAP < N) {
      const until = Date.now() + 10_000
      while (published < last + STORE_REPLAY_GAP && Date.now() < until) await Bun.sleep(2)
    } else await Bun.sleep(rand(0, 20)) // random pacing between reconnects (the subject, as above)
  }
  return out
}

/**
 * Emits N messages on `channel` at about `perMs` messages per millisecond without awaiting them one by one: on every
 * turn of the event loop it fires whatever is due (a burst when the loop was busy), so flushes and publishes go on
 * all the time, including while replays hand over to live delivery.
 */
async function publisher(channel: string, perMs: number): Promise<number[]> {
  const pending: Promise<number | undefined>[] = []
  published = 0
  publishing = true
  const start = performance.now()
  try {
    while (published < N) {
      if (performance.now() - start > 30_000) throw new Error('publisher stuck')
      const due = Math.min(N, Math.floor((performance.now() - start) * perMs) + 1)
      while (published < due) {
        published++
        pending.push(h.s.services.log.emit(channel, 'log', { i: published }))
      }
      await new Promise((r) => setImmediate(r))
    }
  } finally {
    publishing = false
  }
  return (await Promise.all(pending)) as number[]
}

function expectExactlyOnce(r: CyclerResult) {
  const all = r.perConnection.flat()
  expect(all.length).toBe(N)
  expectSeqs(all, 0, { what: 'union of all connections' })
}

describe('replay while publishing', () => {
  test(`one client, >= 20 offline/online cycles over ${N} messages: every seq exactly once, in order`, async () => {
    const ws = await createWorkspace(h.s, h.admin, 'replay-1')
    const channel = `workspace:${ws}`
    const fromStore = h.s.services.log.stats.replayedFromStore
    const [seqs, result] = await Promise.all([
      publisher(channel, 1.5),
      cycler(channel, h.admin, 20, Date.now() + 40_000),
    ])
    expect(result.cyclesWhilePublishing).toBeGreaterThanOrEqual(10)
    expect(h.s.services.log.stats.replayedFromStore - fromStore).toBeGreaterThan(0)
    expectSeqs(seqs, 0, { what: 'seqs acknowledged to the publisher' })
    expect(result.cycles).toBeGreaterThanOrEqual(20)
    expectExactlyOnce(result)
    expect(result.perConnection.filter((s) => s.length > 0).length).toBeGreaterThanOrEqual(10)
  }, 45_000)

  test('four clients cycling concurrently, plus one that stays subscribed throughout', async () => {
    const ws = await createWorkspace(h.s, h.admin, 'replay-4')
    const channel = `workspace:${ws}`
    const steady = await h.pool.connect(wsUrl(h.s, h.admin))
    const steadySub = await steady.subscribe(channel, 0)
    expect(steadySub.seq).toBe(0)
    const fromStore = h.s.services.log.stats.replayedFromStore
    const deadline = Date.now() + 40_000
    const [seqs, ...results] = await Promise.all([
      publisher(channel, 1.5),
      ...[0, 1, 2, 3].map(() => cycler(channel, h.admin, 20, deadline)),
    ])
    expectSeqs(seqs as number[], 0, { what: 'publisher' })
    for (const r of results as CyclerResult[]) {
      expect(r.cycles).toBeGreaterThanOrEqual(20)
      expect(r.cyclesWhilePublishing).toBeGreaterThanOrEqual(5)
      expectExactlyOnce(r)
    }
    await steady.until(() => steady.channelMessages(channel).length >= N, 5000)
    // marker: every publish is done, so a duplicate frame would be in the socket before this reply
    expect((await steady.request({ type: 'ping' })).type).toBe('pong')
    expectSeqs(
      steady.channelMessages(channel).map((m) => m.seq!),
      0,
      { what: 'steady client' },
    )
    expect(steady.channelMessages(channel).length).toBe(N)
    const total = (results as CyclerResult[]).reduce((n, r) => n + r.midReplayCloses, 0)
    expect(total).toBeGreaterThan(0)
    expect(h.s.services.log.stats.replayedFromStore - fromStore).toBeGreaterThan(0)
  }, 50_000)

  test('a late joiner with since=0 gets the whole history (store pages, then the ring) exactly once', async () => {
    const ws = await createWorkspace(h.s, h.admin, 'late')
    const channel = `workspace:${ws}`
    const pending: Promise<unknown>[] = []
    for (let i = 1; i <= N; i++) pending.push(h.s.services.log.emit(channel, 'log', { i }))
    await Promise.all(pending)
    // meanwhile more arrive while it replays
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    const more: Promise<unknown>[] = []
    const sub = c.subscribe(channel, 0, 10_000)
    for (let i = N + 1; i <= N + 300; i++) {
      more.push(h.s.services.log.emit(channel, 'log', { i }))
      if (i % 20 === 0) await Bun.sleep(0)
    }
    const reply = await sub
    expect(reply.replayed).toBeGreaterThanOrEqual(N)
    await Promise.all(more)
    await c.until(() => c.channelMessages(channel).length >= N + 300, 5000)
    // marker: every publish is done, so a duplicate frame would be in the socket before this reply
    expect((await c.request({ type: 'ping' })).type).toBe('pong')
    const seqs = c.channelMessages(channel).map((m) => m.seq!)
    expect(seqs.length).toBe(N + 300)
    expectSeqs(seqs, 0, { what: 'late joiner' })
    for (const m of c.channelMessages(channel)) expect(m.data.i).toBe(m.seq)
  }, 20_000)
})

describe('since edge cases', () => {
  test('since equal to the head replays nothing and continues live; no since means live only', async () => {
    const channel = `workspace:${await createWorkspace(h.s, h.admin, 'edge')}`
    for (let i = 1; i <= 5; i++) await h.s.services.log.emit(channel, 'log', { i })
    const a = await h.pool.connect(wsUrl(h.s, h.admin))
    expect(await a.subscribe(channel, 5)).toMatchObject({ channel, seq: 5, replayed: 0 })
    const b = await h.pool.connect(wsUrl(h.s, h.admin))
    const rb = await b.subscribe(channel)
    expect(rb).toMatchObject({ channel, seq: 5, replayed: 0 })
    const s6 = await h.s.services.log.emit(channel, 'log', { i: 6 })
    expect(s6).toBe(6)
    for (const c of [a, b]) {
      await c.next((m) => m.seq === 6)
      expect(c.channelMessages(channel).map((m) => m.seq)).toEqual([6])
    }
  })

  test('since older than what is kept: the reply says truncated with oldest_seq, and the rest follows', async () => {
    const channel = `workspace:${await createWorkspace(h.s, h.admin, 'pruned')}`
    for (let i = 1; i <= 10; i++) await h.s.services.log.emit(channel, 'log', { i })
    expect(await h.s.services.store.events.prune(Date.now() + 1)).toBeGreaterThanOrEqual(10)
    await Bun.sleep(2) // the next events must be newer than the prune cut
    for (let i = 11; i <= 15; i++) await h.s.services.log.emit(channel, 'log', { i })

    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    const r = await c.subscribe(channel, 3)
    expect(r.truncated).toEqual({ requested_since: 3, oldest_seq: 11 })
    expect(r.seq).toBe(15)
    expect(r.replayed).toBe(5)
    expect(c.channelMessages(channel).map((m) => m.seq)).toEqual([11, 12, 13, 14, 15])

    const fromZero = await h.pool.connect(wsUrl(h.s, h.admin))
    expect((await fromZero.subscribe(channel, 0)).truncated).toEqual({ requested_since: 0, oldest_seq: 11 })
    expect(fromZero.channelMessages(channel).map((m) => m.seq)).toEqual([11, 12, 13, 14, 15])

    const exact = await h.pool.connect(wsUrl(h.s, h.admin))
    const re = await exact.subscribe(channel, 10)
    expect(re.truncated).toBeUndefined()
    expect(exact.channelMessages(channel).map((m) => m.seq)).toEqual([11, 12, 13, 14, 15])

    await h.s.services.log.emit(channel, 'log', { i: 16 })
    for (const x of [c, fromZero, exact]) await x.next((m) => m.seq === 16)
  })

  test('everything pruned and nothing new: truncated with oldest_seq = head + 1, then live', async () => {
    const channel = `workspace:${await createWorkspace(h.s, h.admin, 'empty')}`
    for (let i = 1; i <= 5; i++) await h.s.services.log.emit(channel, 'log', { i })
    await h.s.services.store.events.prune(Date.now() + 1)
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    const r = await c.subscribe(channel, 2)
    expect(r.truncated).toEqual({ requested_since: 2, oldest_seq: 6 })
    expect(r.replayed).toBe(0)
    expect(r.seq).toBe(5)
    expect(c.channelMessages(channel)).toEqual([])
    await h.s.services.log.emit(channel, 'log', { i: 6 })
    expect((await c.next((m) => m.channel === channel)).seq).toBe(6)
  })

  test('since ahead of the head: the reply says reset with the head, nothing is replayed, live continues', async () => {
    const channel = `workspace:${await createWorkspace(h.s, h.admin, 'ahead')}`
    for (let i = 1; i <= 3; i++) await h.s.services.log.emit(channel, 'log', { i })
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    const r = await c.subscribe(channel, 100)
    expect(r.reset).toEqual({ requested_since: 100, head: 3 })
    expect(r.replayed).toBe(0)
    expect(r.seq).toBe(3)
    expect(c.channelMessages(channel)).toEqual([])
    await h.s.services.log.emit(channel, 'log', { i: 4 })
    expect((await c.next((m) => m.channel === channel)).seq).toBe(4)
  })

  test('a channel nobody ever wrote: since 0 is fine, since 5 is a reset to head 0', async () => {
    const channel = `workspace:${await createWorkspace(h.s, h.admin, 'virgin')}`
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    expect(await c.subscribe(channel, 0)).toMatchObject({ seq: 0, replayed: 0 })
    const d = await h.pool.connect(wsUrl(h.s, h.admin))
    expect((await d.subscribe(channel, 5)).reset).toEqual({ requested_since: 5, head: 0 })
    expect(await h.s.services.log.emit(channel, 'log', { i: 1 })).toBe(1)
    for (const x of [c, d]) expect((await x.next((m) => m.channel === channel)).seq).toBe(1)
  })
})
