// The one way cchub opens a Redis connection: it reconnects for as long as it takes, and meanwhile commands fail at once.
import { RedisClient } from 'bun'

/** Reconnect attempts before Bun's client gives up: effectively never, an outage of any length ends in a reconnect. */
const RETRIES = 1_000_000

/**
 * Connects to `url` (CCHUB_REDIS_URL). Commands sent while Redis is away reject instead of queueing, so a caller answers
 * 503 (or retries on its own schedule) rather than piling up work. Rejects when Redis cannot be reached within
 * `timeoutMs`, with a message that names the setting and never the URL (it may hold a password).
 */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<RedisClient> {
  const redis = new RedisClient(url, { enableOfflineQueue: false, maxRetries: RETRIES, connectionTimeout: timeoutMs })
  await redis.connect().catch((err) => {
    throw new Error(`cannot reach Redis at CCHUB_REDIS_URL: ${(err as Error).message}`)
  })
  return redis
}
