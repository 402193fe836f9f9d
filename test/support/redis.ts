// The machine's Redis for the suites that need it: reachable, or a loud failure in CI, or a skip with a reason elsewhere.
import { RedisClient } from 'bun'

export const REDIS_URL = process.env.CCHUB_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/**
 * True when Redis answers PING at REDIS_URL. Unreachable, it throws when CI=true (CI must run these suites, not skip
 * them) and otherwise says why the suite is skipped.
 */
export async function requireRedis(suite: string): Promise<boolean> {
  const client = new RedisClient(REDIS_URL, { connectionTimeout: 1000, autoReconnect: false })
  const ok = await client.connect().then(
    () => client.send('PING', []).then(() => true),
    () => false,
  )
  client.close()
  if (ok) return true
  if (process.env.CI === 'true')
    throw new Error(`${suite}: Redis is not reachable at ${REDIS_URL}; with CI=true it must run`)
  console.warn(`skipping ${suite}: Redis is not reachable at ${REDIS_URL}`)
  return false
}

/** A key and channel prefix no other test (or helper on this machine) uses. */
export const testPrefix = () => `cchub-test-${crypto.randomUUID().slice(0, 8)}:`
