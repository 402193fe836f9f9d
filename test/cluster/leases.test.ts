// Node leases on the machine's Redis: an expired lease is noticed by exactly one survivor, a live or departed one never.
import { afterEach, describe, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { createLogger } from '../../src/core/logger.ts'
import { NodeLeases } from '../../src/modules/cluster/leases.ts'
import { clusterKeys, type ClusterKeys } from '../../src/modules/cluster/model.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { REDIS_URL, requireRedis, testPrefix } from '../support/redis.ts'
import { waitFor } from '../support/wait.ts'

const hasRedis = await requireRedis('test/cluster/leases.test.ts')
const LEASE_MS = 300

interface Node {
  id: string
  clock: ManualClock
  leases: NodeLeases
  /** Nodes this one declared dead. */
  reaped: string[]
}

let redis: RedisClient
let keys: ClusterKeys
let prefix: string

afterEach(async () => {
  if (!hasRedis) return
  const left = (await redis.send('KEYS', [`${prefix}*`])) as string[]
  if (left.length) await redis.send('DEL', left)
  redis.close()
})

async function setup(): Promise<void> {
  redis = new RedisClient(REDIS_URL)
  await redis.connect()
  prefix = testPrefix()
  keys = clusterKeys(prefix)
}

async function node(id: string): Promise<Node> {
  const clock = new ManualClock()
  const reaped: string[] = []
  const leases = new NodeLeases({
    redis,
    keys,
    info: { id, url: `http://${id}`, started_at: new Date().toISOString(), version: 'test' },
    leaseMs: LEASE_MS,
    clock,
    logger: createLogger('silent'),
    onDead: async (dead) => {
      reaped.push(dead)
    },
  })
  await leases.start()
  return { id, clock, leases, reaped }
}

/** One check on each node: its clock moves one interval, and the tick has renewed its lease (score = its time). */
async function check(...nodes: Node[]): Promise<void> {
  for (const n of nodes) n.clock.advance(n.leases.checkIntervalMs)
  await waitFor(
    async () => {
      const scores = await Promise.all(nodes.map((n) => redis.send('ZSCORE', [keys.nodes, n.id])))
      return scores.every((s, i) => Number(s) === nodes[i]!.clock.now())
    },
    3000,
    'the nodes to renew',
  )
}

describe.skipIf(!hasRedis)('node leases', () => {
  test('a node whose lease lapses is declared dead by exactly one of two survivors, after the lease and not before', async () => {
    await setup()
    const a = await node('a')
    await node('b')
    const c = await node('c')
    const lastRenewal = Date.now()
    await check(a, c)
    expect([...a.reaped, ...c.reaped]).toEqual([])
    expect((await a.leases.live()).map((n) => n.id).sort()).toEqual(['a', 'b', 'c'])
    // b stops renewing (its clock never moves again): the lease lapses in Redis after LEASE_MS
    await waitFor(
      async () => {
        await check(a, c)
        return a.reaped.length + c.reaped.length > 0
      },
      5000,
      'a survivor to notice b',
    )
    const noticedAfter = Date.now() - lastRenewal
    expect(noticedAfter).toBeGreaterThanOrEqual(LEASE_MS - 20)
    await waitFor(async () => !(await redis.send('ZRANGE', [keys.nodes, '0', '-1'])).includes('b'), 3000, 'b unlisted')
    await check(a, c)
    await check(a, c)
    expect([...a.reaped, ...c.reaped]).toEqual(['b'])
    expect((await a.leases.live()).map((n) => n.id).sort()).toEqual(['a', 'c'])
  })

  test('a node that stops cleanly leaves at once and is never reaped; live ones keep renewing', async () => {
    await setup()
    const [a, b] = [await node('a'), await node('b')]
    await b.leases.stop()
    expect((await a.leases.live()).map((n) => n.id)).toEqual(['a'])
    // every check renews a's lease to its full length before it can lapse
    for (let i = 0; i < 3; i++) {
      const pttl = () => redis.send('PTTL', [keys.lease('a')]) as Promise<number>
      await waitFor(async () => (await pttl()) < LEASE_MS / 2, 3000, "a's lease to run down")
      await check(a)
      expect(await pttl()).toBeGreaterThan(LEASE_MS * 0.8)
    }
    expect(a.reaped).toEqual([])
    await a.leases.stop()
  })
})
