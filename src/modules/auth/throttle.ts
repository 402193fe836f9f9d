// Password-guessing limits for login and password change: strict per address, per username a slow-down for strangers.
import { AppError } from '../../core/errors.ts'
import { FailureWindow } from '../../core/rate-limit.ts'

export interface ThrottleOptions {
  /** Failures per username in the window before addresses not trusted for it get 429 (per address: 4x). */
  maxFailures: number
  windowMs: number
  /** How long an address stays trusted for a user after a successful login from it. */
  trustTtlMs: number
  now?: () => number
}

/** A sliding window of failures per key: FailureWindow in memory, or shared by every node (shared-state). */
export interface FailureCounter {
  /** Seconds until `key` may try again, or 0 when it is not blocked. */
  retryAfter(key: string): number | Promise<number>
  fail(key: string): void | Promise<void>
}

/** Hashed (username, address) pairs trusted for a while after a successful login. */
export interface TrustList {
  has(key: string): boolean | Promise<boolean>
  add(key: string, ttlMs: number): void | Promise<void>
}

/** Where the counts live when not in this process: Redis, so that several nodes count the same attempts. */
export interface ThrottleBackend {
  window(scope: 'user' | 'address', max: number, windowMs: number, now: () => number): FailureCounter
  trust(): TrustList
}

/**
 * A username that failed too often is not locked for everyone (that would let anyone lock the admin out): only
 * addresses
 * from which that user has not logged in successfully within the trust TTL are turned away until the window passes.
 * Trusted addresses are kept in memory as hashes (never the address itself), so a restart forgets them.
 */
export class LoginThrottle {
  private readonly byUser: FailureCounter
  private readonly byAddress: FailureCounter
  private readonly trusted: TrustList
  private readonly now: () => number

  constructor(
    private readonly o: ThrottleOptions,
    backend?: ThrottleBackend,
  ) {
    this.now = o.now ?? Date.now
    this.byUser =
      backend?.window('user', o.maxFailures, o.windowMs, this.now) ?? memoryWindow(o.maxFailures, o, this.now)
    this.byAddress =
      backend?.window('address', o.maxFailures * 4, o.windowMs, this.now) ??
      memoryWindow(o.maxFailures * 4, o, this.now)
    this.trusted = backend?.trust() ?? new MemoryTrust(this.now)
  }

  /** Rejects with 429 RATE_LIMITED when the address is over its limit, or the username is and the address is not trusted. */
  async check(username: string, address: string): Promise<void> {
    const user = username.toLowerCase()
    let wait = await this.byAddress.retryAfter(address)
    if (!(await this.trusted.has(trustKey(user, address)))) wait = Math.max(wait, await this.byUser.retryAfter(user))
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', 429, `Too many failed password attempts; try again in ${wait} s`, {
        details: { retry_after_s: wait },
        headers: { 'retry-after': String(wait) },
      })
    }
  }

  async failed(username: string, address: string): Promise<void> {
    await Promise.all([this.byUser.fail(username.toLowerCase()), this.byAddress.fail(address)])
  }

  /**
   * Trusts the address for this user; the username's failures stay counted so an attacker elsewhere gains no new tries.
   */
  async succeeded(username: string, address: string): Promise<void> {
    await this.trusted.add(trustKey(username.toLowerCase(), address), this.o.trustTtlMs)
  }
}

const memoryWindow = (max: number, o: ThrottleOptions, now: () => number) => new FailureWindow(max, o.windowMs, now)

/** Trusted pairs in this process, swept of expired ones when it grows large. */
class MemoryTrust implements TrustList {
  private readonly until = new Map<string, number>()
  constructor(private readonly now: () => number) {}

  has(key: string): boolean {
    const until = this.until.get(key)
    if (until === undefined) return false
    if (until > this.now()) return true
    this.until.delete(key)
    return false
  }

  add(key: string, ttlMs: number): void {
    const now = this.now()
    if (this.until.size >= 100_000) for (const [k, t] of this.until) if (t <= now) this.until.delete(k)
    this.until.set(key, now + ttlMs)
  }
}

const trustKey = (user: string, address: string) =>
  new Bun.CryptoHasher('sha256').update(`${user}\n${address}`).digest('base64url')
