// Two in-process nodes (ChannelLog + RedisBus each) on one store: cross-node order, gap filling, conflicts, Redis cuts.
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BusMessage, EventBus } from '../../src/bus/event-bus.ts'
import { MemoryBus } from '../../src/bus/memory-bus.ts'
import { openRedisBus } from '../../src/bus/redis-bus.ts'
import { systemClock } from '../../src/core/clock.ts'
import { createLogger } from '../../src/core/logger.ts'
import { ChannelLog } from '../../src/modules/realtime/channel-log.ts'
import { linkNodes } from '../../src/modules/realtime/cluster-link.ts'
import { openPostgresStore } from '../../src/store/postgres/pg-store.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import type { Store } from '../../src/store/store.ts'
import { freshDatabase, requirePostgres } from '../support/postgres.ts'
import { proxiedRedis, REDIS_URL, requireRedis, testPrefix } from '../support/redis.ts'
import { expectSeqs } from '../support/seqs.ts'
import { waitFor } from '../support/wait.ts'

const hasRedis = await requireRedis('test/realtime/cross-node.test.ts')
const hasPostgres = await requirePostgres('test/realtime/cross-node.test.ts')
const CH = 'session:s1'
const OUTAGES = { clock: systemClock, bufferMaxBytes: 64 * 1024 * 1024 }

interface Node {
  log: ChannelLog
  /** Seqs of CH as the node's gateway would deliver them. */
  got: number[]
  network: EventBus
  stop(): Promise<void>
}

/** Drops the network messages `drop` picks, as Redis pub/sub may. */
class LossyBus extends MemoryBus {
  constructor(
    private readonly inner: EventBus,
    private readonly drop: (m: BusMessage) => boolean,
  ) {
    super()
  }
  override publish(m: BusMessage): void {
    if (!this.drop(m)) this.inner.publish(m)
  }
  override subscribe(h: (m: BusMessage) => void) {
    return this.inner.subscribe(h)
  }
  override onReconnect(h: () => void) {
    return this.inner.onReconnect(h)
  }
}

let cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.reverse()) await c()
  cleanups = []
})

function sharedStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'cchub-nodes-'))
  const store = openSqliteStore(join(dir, 'cchub.db'))
  cleanups.push(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return store
}

async function startNode(
  store: Store,
  id: string,
  channel: string,
  opts: { url?: string; drop?: (m: BusMessage) => boolean } = {},
): Promise<Node> {
  const redis = await openRedisBus(opts.url ?? REDIS_URL, channel)
  const network = opts.drop ? new LossyBus(redis, opts.drop) : redis
  const local = new MemoryBus()
  const log = new ChannelLog(store, local, createLogger('silent'), OUTAGES, { bus: network, nodeId: id })
  const got: number[] = []
  local.subscribe((m) => m.channel === CH && got.push(m.seq!))
  const unlink = linkNodes({ network: { bus: network, nodeId: id }, log, local, liveChannels: () => [CH] })
  // a subscriber here: the gateway reads the channel's head before joining live delivery
  await log.head(CH)
  const node = {
    log,
    got,
    network,
    async stop() {
      unlink()
      await log.drain()
      await redis.close()
    },
  }
  cleanups.push(() => node.stop())
  return node
}

const emitMany = (n: Node, count: number) =>
  Promise.all(Array.from({ length: count }, (_, i) => n.log.emit(CH, 'test', { i }))) as Promise<number[]>

describe.skipIf(!hasRedis)('nodes sharing a store over Redis', () => {
  test("a subscriber on A gets B's messages in order, each once", async () => {
    const store = sharedStore()
    const bus = `${testPrefix()}bus`
    const a = await startNode(store, 'a', bus)
    const b = await startNode(store, 'b', bus)
    expect(await emitMany(b, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    await waitFor(
      () => a.got.length >= 50,
      5000,
      () => `A got ${a.got.length} of 50`,
    )
    expectSeqs(a.got, 0, { through: 50, what: 'node A' })
    expectSeqs(b.got, 0, { through: 50, what: 'node B' })
    expect(a.log.publishedHead(CH)).toBe(50)
    expect(a.log.recentSync(CH, 48)?.map((f) => f.seq)).toEqual([49, 50])
  })

  test('a message Redis lost is read from the store before the next one is delivered', async () => {
    const store = sharedStore()
    const bus = `${testPrefix()}bus`
    const a = await startNode(store, 'a', bus)
    const b = await startNode(store, 'b', bus, { drop: (m) => m.seq === 3 || m.seq === 4 })
    for (let i = 0; i < 6; i++) await b.log.emit(CH, 'test', { i })
    await waitFor(
      () => a.got.length >= 6,
      5000,
      () => `A got ${a.got.join(',')}`,
    )
    expectSeqs(a.got, 0, { through: 6, what: 'node A' })
    expect(a.log.filledFromStore).toBe(2)
  })

  test('concurrent emits from A and B on one channel get seqs 1..N, delivered once on both in order', async () => {
    const store = sharedStore()
    const bus = `${testPrefix()}bus`
    const a = await startNode(store, 'a', bus)
    const b = await startNode(store, 'b', bus)
    const [fromA, fromB] = await Promise.all([emitMany(a, 150), emitMany(b, 150)])
    // every emitter learned its true seq, in its emit order, and together they are 1..300
    expect(fromA).toEqual([...fromA].sort((x, y) => x - y))
    expect(fromB).toEqual([...fromB].sort((x, y) => x - y))
    expect([...fromA, ...fromB].sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    const rows = await store.events.readAfter(CH, 0, 1000)
    expect(rows.filter((r) => fromA.includes(r.seq)).map((r) => JSON.parse(r.data).i)).toEqual(
      Array.from({ length: 150 }, (_, i) => i),
    )
    await waitFor(
      () => a.got.length >= 300 && b.got.length >= 300,
      5000,
      () => `A ${a.got.length}, B ${b.got.length}`,
    )
    expectSeqs(a.got, 0, { through: 300, what: 'node A' })
    expectSeqs(b.got, 0, { through: 300, what: 'node B' })
  })

  test.skipIf(!hasPostgres)(
    'on PostgreSQL, two stores (two pools, as on two nodes) racing on one channel give seqs 1..N once each',
    async () => {
      const db = await freshDatabase()
      const [storeA, storeB] = [
        await openPostgresStore(db.url, { pool: 4 }),
        await openPostgresStore(db.url, { pool: 4 }),
      ]
      cleanups.push(async () => {
        await storeA.close()
        await storeB.close()
        await db.drop()
      })
      const bus = `${testPrefix()}bus`
      const a = await startNode(storeA, 'a', bus)
      const b = await startNode(storeB, 'b', bus)
      const [fromA, fromB] = await Promise.all([emitMany(a, 100), emitMany(b, 100)])
      expect([...fromA, ...fromB].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
      await waitFor(
        () => a.got.length >= 200 && b.got.length >= 200,
        5000,
        () => `A ${a.got.length}, B ${b.got.length}`,
      )
      expectSeqs(a.got, 0, { through: 200, what: 'node A' })
      expectSeqs(b.got, 0, { through: 200, what: 'node B' })
    },
  )

  test('Redis cut and restored: emits during the outage are stored and delivered afterwards, none lost', async () => {
    const store = sharedStore()
    const bus = `${testPrefix()}bus`
    const { proxy, url } = proxiedRedis()
    cleanups.push(() => proxy.stop())
    const a = await startNode(store, 'a', bus, { url })
    const b = await startNode(store, 'b', bus, { url })
    await emitMany(b, 10)
    await waitFor(() => a.got.length >= 10, 5000, 'the first ten on A')
    proxy.cut()
    await waitFor(async () => !(await a.network.ping()) && !(await b.network.ping()), 5000, 'both links down')
    // acknowledged = stored, with Redis away
    expect(await emitMany(b, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i + 11))
    expect(await emitMany(a, 5)).toEqual(Array.from({ length: 5 }, (_, i) => i + 21))
    proxy.restore()
    await waitFor(
      () => a.got.length >= 25 && b.got.length >= 25,
      10_000,
      () => `A ${a.got}, B ${b.got}`,
    )
    await emitMany(b, 1)
    await waitFor(() => a.got.length >= 26, 5000, 'the message after the outage on A')
    expectSeqs(a.got, 0, { through: 26, what: 'node A' })
    expectSeqs(b.got, 0, { through: 26, what: 'node B' })
  })
})
