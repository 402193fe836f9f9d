// The login throttle's state contract (src/modules/auth/throttle.ts) on memory and on Redis, and two nodes counting together.
import { afterAll, afterEach, describe, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { MemoryThrottleState, type ThrottleLimits, type ThrottleState } from '../../src/modules/auth/throttle.ts'
import { RedisThrottleState } from '../../src/modules/cluster/redis-throttle.ts'
import { dropPrefix, requireCluster, TestCluster } from '../support/cluster.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { REDIS_URL, requireRedis, testPrefix } from '../support/redis.ts'

const hasRedis = await requireRedis('test/cluster/throttle.test.ts')
const hasServices = hasRedis && (await requireCluster('test/cluster/throttle.test.ts'))
const WINDOW_MS = 60_000

const prefix = testPrefix()
let redis: RedisClient | undefined
afterAll(async () => {
  if (!hasRedis) return
  await dropPrefix(prefix)
  redis?.close()
})

async function redisState(limits: ThrottleLimits): Promise<ThrottleState> {
  if (!redis) {
    redis = new RedisClient(REDIS_URL)
    await redis.connect()
  }
  // a fresh prefix per state: the contract cases do not see each other's counts
  return new RedisThrottleState(redis, `${prefix}${crypto.randomUUID().slice(0, 8)}:`, limits)
}

const implementations: [string, boolean, (l: ThrottleLimits) => Promise<ThrottleState>][] = [
  ['memory', true, async (l) => new MemoryThrottleState(l)],
  ['redis', hasRedis, redisState],
]

for (const [name, available, make] of implementations) {
  describe.skipIf(!available)(`ThrottleState contract: ${name}`, () => {
    const setup = async () => {
      const clock = new ManualClock()
      const state = await make({ user: 2, address: 8, windowMs: WINDOW_MS, now: () => clock.now() })
      return { clock, state }
    }

    test("below the scope's limit 0; at it, the seconds until the oldest failure leaves the window; after that 0", async () => {
      const { clock, state } = await setup()
      await state.fail('user', 'alice')
      expect(await state.retryAfter('user', 'alice')).toBe(0)
      clock.advance(10_000)
      await state.fail('user', 'alice')
      expect(await state.retryAfter('user', 'alice')).toBe(50)
      // scopes and keys count apart
      expect(await state.retryAfter('address', 'alice')).toBe(0)
      expect(await state.retryAfter('user', 'bob')).toBe(0)
      clock.advance(50_000)
      expect(await state.retryAfter('user', 'alice')).toBe(0)
    })

    test('the address scope has its own limit', async () => {
      const { state } = await setup()
      for (let i = 0; i < 7; i++) await state.fail('address', '10.0.0.1')
      expect(await state.retryAfter('address', '10.0.0.1')).toBe(0)
      await state.fail('address', '10.0.0.1')
      expect(await state.retryAfter('address', '10.0.0.1')).toBe(60)
    })

    test('a trusted key is trusted until its TTL has passed', async () => {
      const { clock, state } = await setup()
      expect(await state.trusted('k')).toBe(false)
      await state.trust('k', 30_000)
      clock.advance(29_999)
      expect(await state.trusted('k')).toBe(true)
      clock.advance(1)
      expect(await state.trusted('k')).toBe(false)
    })
  })
}

describe.skipIf(!hasServices)('login throttle across nodes', () => {
  let cluster: TestCluster | undefined
  afterEach(async () => {
    await cluster?.close()
    cluster = undefined
  })

  test('failed logins on A and B add up: the next attempt on either is refused with 429', async () => {
    cluster = await TestCluster.start()
    const a = await cluster.node('A', { loginMaxFailures: 2 })
    const b = await cluster.node('B', { loginMaxFailures: 2 })
    const attempt = (node: typeof a, password: string) =>
      node.api('/api/v1/auth/login', { body: { username: 'admin', password } })
    expect((await attempt(a, 'wrong-one')).status).toBe(401)
    expect((await attempt(b, 'wrong-two')).status).toBe(401)
    const refused = await attempt(a, 'third-guess')
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as any).code).toBe('RATE_LIMITED')
    expect((await attempt(b, 'fourth-guess')).status).toBe(429)
  })
})
