// Login failure windows and trusted addresses in Redis, so every node counts the same attempts.
import type { RedisClient } from 'bun'
import type { FailureCounter, TrustList } from '../auth/throttle.ts'
import type { SharedKeys } from './model.ts'
import { orUnavailable } from './unavailable.ts'

/** Drops the failures older than the window, then answers the seconds to wait (0: not blocked). */
const RETRY_AFTER = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then return 0 end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return math.max(1, math.ceil((oldest + ARGV[2] - ARGV[1]) / 1000))`

/** Keys are hashes: the shared service never holds a username or an address in the clear. */
const hashed = (v: string) => new Bun.CryptoHasher('sha256').update(v).digest('base64url')

/** A sliding failure window per key, the Redis twin of FailureWindow (same answers, shared by every node). */
export class RedisFailureWindow implements FailureCounter {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: (hash: string) => string,
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  async retryAfter(key: string): Promise<number> {
    const args = [RETRY_AFTER, '1', this.key(hashed(key)), String(this.now()), String(this.windowMs), String(this.max)]
    return Number(await orUnavailable(this.redis.send('EVAL', args)))
  }

  async fail(key: string): Promise<void> {
    const k = this.key(hashed(key))
    const now = this.now()
    await orUnavailable(
      Promise.all([
        this.redis.send('ZADD', [k, String(now), `${now}-${crypto.randomUUID()}`]),
        this.redis.send('PEXPIRE', [k, String(this.windowMs)]),
      ]),
    )
  }
}

export class RedisTrustList implements TrustList {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: (hash: string) => string,
  ) {}

  async has(key: string): Promise<boolean> {
    return (await orUnavailable(this.redis.send('EXISTS', [this.key(key)]))) === 1
  }

  async add(key: string, ttlMs: number): Promise<void> {
    await orUnavailable(this.redis.send('SET', [this.key(key), '1', 'PX', String(Math.max(1, ttlMs))]))
  }
}

/** What LoginThrottle needs to keep its counts in Redis instead of in memory. */
export class SharedLoginLimits {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: SharedKeys,
  ) {}

  window(scope: 'user' | 'address', max: number, windowMs: number, now: () => number): FailureCounter {
    return new RedisFailureWindow(this.redis, (h) => this.keys.loginFailures(scope, h), max, windowMs, now)
  }

  trust(): TrustList {
    return new RedisTrustList(this.redis, this.keys.loginTrusted)
  }
}
