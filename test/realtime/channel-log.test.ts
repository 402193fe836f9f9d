// ChannelLog through database outages: events wait in memory, are retried with backoff, stored once, published after.
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BusMessage } from '../../src/bus/event-bus.ts'
import { MemoryBus } from '../../src/bus/memory-bus.ts'
import { createLogger } from '../../src/core/logger.ts'
import { ChannelLog } from '../../src/modules/realtime/channel-log.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { type Store, StoreUnavailable } from '../../src/store/store.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { expectSeqs } from '../support/seqs.ts'
import { waitFor } from '../support/wait.ts'

const CH = 'session:a'
/** Past the longest wait between retries. */
const BACKOFF_MAX_MS = 2000

const stores: Store[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A SQLite store whose event log can be made unreachable, and can commit a batch yet report the connection lost. */
function flakyStore() {
  const dir = mkdtempSync(join(tmpdir(), 'cchub-log-'))
  dirs.push(dir)
  const store = openSqliteStore(join(dir, 'cchub.db'))
  stores.push(store)
  const ev = store.events
  const real = { append: ev.appendEvents.bind(ev), head: ev.channelHead.bind(ev), read: ev.readAfter.bind(ev) }
  /** `calls`: event-log calls made, answered or refused. */
  const state = { down: false, calls: 0, lostAnswers: 0 }
  const away = () => {
    state.calls++
    return new StoreUnavailable('PostgreSQL is unreachable (test)')
  }
  ev.appendEvents = async (events) => {
    if (state.down) throw away()
    state.calls++
    await real.append(events)
    if (state.lostAnswers-- > 0) throw away()
  }
  ev.channelHead = (c) => (state.down ? Promise.reject(away()) : real.head(c))
  ev.readAfter = (c, after, limit) => (state.down ? Promise.reject(away()) : real.read(c, after, limit))
  return { store, state, stored: async () => (await real.read(CH, 0, 10_000)).map((r) => r.seq) }
}

function logOn(store: Store, bufferMaxBytes = 64 * 1024 * 1024) {
  const clock = new ManualClock()
  const bus = new MemoryBus()
  const published: BusMessage[] = []
  bus.subscribe((m) => published.push(m))
  const log = new ChannelLog(store, bus, createLogger('silent'), { clock, bufferMaxBytes })
  return { log, clock, published: () => published.filter((m) => m.channel === CH).map((m) => m.seq!) }
}

/** Lets the retry that is due run, and waits until it has asked the store (`calls` grew). */
async function retryOnce(clock: ManualClock, state: { calls: number }) {
  const before = state.calls
  clock.advance(BACKOFF_MAX_MS)
  await waitFor(() => state.calls > before, 3000, 'the retry to reach the store')
}

test("a failed read of a channel's head is retried after a backoff: the emit waits for it instead of failing", async () => {
  const { store, state } = flakyStore()
  const { log, clock, published } = logOn(store)
  state.down = true
  let seq: number | undefined
  const emitted = log.emit(CH, 'note', { n: 1 }).then((s) => (seq = s))
  await Bun.sleep(0)
  clock.advance(BACKOFF_MAX_MS)
  await Bun.sleep(0)
  expect(seq).toBeUndefined()
  state.down = false
  clock.advance(BACKOFF_MAX_MS)
  await emitted
  expect(seq).toBe(1)
  await log.drain()
  expect(published()).toEqual([1])
})

test('the database away mid-stream: every emit resolves once stored, seqs gap-free in emit order, nothing published before', async () => {
  const { store, state, stored } = flakyStore()
  const { log, clock, published } = logOn(store)
  expect(await log.emit(CH, 'note', { n: 0 })).toBe(1)
  state.down = true
  const seqs: number[] = []
  const emits = Array.from({ length: 50 }, (_, i) => log.emit(CH, 'note', { n: i + 1 }).then((s) => seqs.push(s!)))
  await waitFor(() => state.calls >= 2, 3000, 'the first append during the outage')
  // more arrive while the first batch waits: they queue behind it
  emits.push(...Array.from({ length: 50 }, (_, i) => log.emit(CH, 'note', { n: i + 51 }).then((s) => seqs.push(s!))))
  for (let i = 0; i < 3; i++) await retryOnce(clock, state)
  expect(seqs).toEqual([])
  expect(published()).toEqual([1])
  expect(log.bufferedBytes).toBeGreaterThan(0)

  state.down = false
  clock.advance(BACKOFF_MAX_MS)
  await Promise.all(emits)
  await log.drain()
  expectSeqs(seqs, 1, { through: 101, what: 'emitters' })
  expectSeqs(published(), 0, { through: 101, what: 'published' })
  expectSeqs(await stored(), 0, { through: 101, what: 'stored' })
  expect(log.bufferedBytes).toBe(0)
})

test('a batch committed whose answer was lost is not stored again on the retry (no duplicate, no renumbering)', async () => {
  const { store, state, stored } = flakyStore()
  const { log, clock, published } = logOn(store)
  state.lostAnswers = 1
  const emits = [1, 2, 3].map((n) => log.emit(CH, 'note', { n }))
  await waitFor(() => state.calls >= 1, 3000, 'the first append')
  clock.advance(BACKOFF_MAX_MS)
  expect(await Promise.all(emits)).toEqual([1, 2, 3])
  expect(await log.emit(CH, 'note', { n: 4 })).toBe(4)
  await log.drain()
  expect(await stored()).toEqual([1, 2, 3, 4])
  expect(published()).toEqual([1, 2, 3, 4])
})

test('the buffer full: new emits are refused with StoreUnavailable saying so, and accepted again once it has room', async () => {
  const { store, state } = flakyStore()
  const { log, clock } = logOn(store, 8 * 1024)
  expect(await log.emit(CH, 'note', { n: 0 })).toBe(1)
  state.down = true
  const big = 'x'.repeat(1000)
  const waiting = [1, 2, 3].map((n) => log.emit(CH, 'note', { n, big }))
  const refused = log.emit(CH, 'note', { n: 4, big })
  await expect(refused).rejects.toBeInstanceOf(StoreUnavailable)
  await expect(refused).rejects.toThrow(/event buffer is full/)

  state.down = false
  clock.advance(BACKOFF_MAX_MS)
  expect(await Promise.all(waiting)).toEqual([2, 3, 4])
  expect(await log.emit(CH, 'note', { n: 5, big })).toBe(5)
  await log.drain()
  expect(log.bufferedBytes).toBe(0)
})

test('close: waits its grace for the database, then gives up what is still waiting (emitters rejected), without hanging', async () => {
  const { store, state, stored } = flakyStore()
  const { log, clock } = logOn(store)
  expect(await log.emit(CH, 'note', { n: 0 })).toBe(1)
  state.down = true
  const lost = log.emit(CH, 'note', { n: 1 })
  await waitFor(() => state.calls >= 2, 3000, 'the append during the outage')
  let closed = false
  const closing = log.close(5000).then(() => (closed = true))
  clock.advance(4000)
  await Bun.sleep(10)
  expect(closed).toBe(false)
  clock.advance(1000)
  await closing
  await expect(lost).rejects.toBeInstanceOf(StoreUnavailable)
  expect(await stored()).toEqual([1])
  expect(log.bufferedBytes).toBe(0)
})
