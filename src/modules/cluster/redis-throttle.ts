// The login throttle's counts in Redis, so every node counts the same failures and trusts the same addresses.
import type { RedisClient } from 'bun'
import type { ThrottleLimits, ThrottleState } from '../auth/throttle.ts'
import { orUnavailable } from '../shared-state/unavailable.ts'

// Failures are a sorted set per key (score = time); stale ones are dropped before counting. Returns the oldest
// counted failure's time when the key is at its limit, else 0.
const OLDEST_IF_FULL = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then return 0 end
return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
`

const hash = (key: string) => new Bun.CryptoHasher('sha256').update(key).digest('base64url')

export class RedisThrottleState implements ThrottleState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly limits: ThrottleLimits,
  ) {}

  async retryAfter(scope: 'user' | 'address', key: string): Promise<number> {
    const { now, windowMs } = this.limits
    const t = now()
    const args = [this.key(scope, key), String(t - windowMs), String(this.limits[scope])]
    const oldest = Number(await this.send('EVAL', [OLDEST_IF_FULL, '1', ...args]))
    return oldest ? Math.max(1, Math.ceil((oldest + windowMs - t) / 1000)) : 0
  }

  async fail(scope: 'user' | 'address', key: string): Promise<void> {
    const k = this.key(scope, key)
    const t = this.limits.now()
    await this.send('ZADD', [k, String(t), `${t}-${crypto.randomUUID()}`])
    await this.send('PEXPIRE', [k, String(this.limits.windowMs)])
  }

  async trust(key: string, ttlMs: number): Promise<void> {
    const until = this.limits.now() + ttlMs
    await this.send('SET', [`${this.prefix}login-trust:${hash(key)}`, String(until), 'PX', String(ttlMs)])
  }

  async trusted(key: string): Promise<boolean> {
    const until = await this.send('GET', [`${this.prefix}login-trust:${hash(key)}`])
    return until !== null && Number(until) > this.limits.now()
  }

  private send(command: string, args: string[]): Promise<unknown> {
    // closed rather than open: while Redis is away, password attempts cannot be counted, so none are taken
    return orUnavailable(this.redis.send(command, args))
  }

  private key(scope: 'user' | 'address', key: string): string {
    return `${this.prefix}login-failures:${scope}:${hash(key)}`
  }
}
