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

/** Failures allowed per window: per username, and (4x) per address. */
export interface ThrottleLimits {
  user: number
  address: number
  windowMs: number
  now: () => number
}

export const throttleLimits = (o: ThrottleOptions): ThrottleLimits => ({
  user: o.maxFailures,
  address: o.maxFailures * 4,
  windowMs: o.windowMs,
  now: o.now ?? Date.now,
})

/**
 * Where the throttle's counts live: this process for one node, Redis when several nodes must count together.
 * Contract (one suite for every implementation, test/cluster/throttle.test.ts):
 * - `retryAfter(scope, key)` is 0 while `key` has fewer failures than the scope's limit within the last `windowMs`
 *   (by the limits' `now`), else the whole seconds (at least 1) until its oldest counted failure leaves the window.
 * - `fail` counts one failure now; `trust` makes `trusted` true until `now + ttlMs`, then false again.
 * - Keys are opaque; an implementation that keeps them outside the process stores only their hashes.
 */
export interface ThrottleState {
  retryAfter(scope: 'user' | 'address', key: string): Promise<number>
  fail(scope: 'user' | 'address', key: string): Promise<void>
  trust(key: string, ttlMs: number): Promise<void>
  trusted(key: string): Promise<boolean>
}

/** The state of a single node, in memory (a restart forgets it). */
export class MemoryThrottleState implements ThrottleState {
  private readonly windows: Record<'user' | 'address', FailureWindow>
  private readonly trustedUntil = new Map<string, number>()

  constructor(private readonly limits: ThrottleLimits) {
    this.windows = {
      user: new FailureWindow(limits.user, limits.windowMs, limits.now),
      address: new FailureWindow(limits.address, limits.windowMs, limits.now),
    }
  }

  async retryAfter(scope: 'user' | 'address', key: string): Promise<number> {
    return this.windows[scope].retryAfter(key)
  }

  async fail(scope: 'user' | 'address', key: string): Promise<void> {
    this.windows[scope].fail(key)
  }

  async trust(key: string, ttlMs: number): Promise<void> {
    const now = this.limits.now()
    if (this.trustedUntil.size >= 100_000)
      for (const [k, until] of this.trustedUntil) if (until <= now) this.trustedUntil.delete(k)
    this.trustedUntil.set(key, now + ttlMs)
  }

  async trusted(key: string): Promise<boolean> {
    const until = this.trustedUntil.get(key)
    if (until === undefined) return false
    if (until > this.limits.now()) return true
    this.trustedUntil.delete(key)
    return false
  }
}

/**
 * A username that failed too often is not locked for everyone (that would let anyone lock the admin out): only
 * addresses from which that user has not logged in successfully within the trust TTL are turned away until the
 * window passes. Trusted addresses are kept as hashes (never the address itself).
 */
export class LoginThrottle {
  private readonly state: ThrottleState

  constructor(
    private readonly o: ThrottleOptions,
    state?: ThrottleState,
  ) {
    this.state = state ?? new MemoryThrottleState(throttleLimits(o))
  }

  /** Throws 429 RATE_LIMITED when the address is over its limit, or the username is and the address is not trusted. */
  async check(username: string, address: string): Promise<void> {
    const user = username.toLowerCase()
    let wait = await this.state.retryAfter('address', address)
    if (!(await this.state.trusted(trustKey(user, address))))
      wait = Math.max(wait, await this.state.retryAfter('user', user))
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', 429, `Too many failed password attempts; try again in ${wait} s`, {
        details: { retry_after_s: wait },
        headers: { 'retry-after': String(wait) },
      })
    }
  }

  async failed(username: string, address: string): Promise<void> {
    await this.state.fail('user', username.toLowerCase())
    await this.state.fail('address', address)
  }

  /**
   * Trusts the address for this user; the username's failures stay counted so an attacker elsewhere gains no new tries.
   */
  async succeeded(username: string, address: string): Promise<void> {
    await this.state.trust(trustKey(username.toLowerCase(), address), this.o.trustTtlMs)
  }
}

const trustKey = (user: string, address: string) =>
  new Bun.CryptoHasher('sha256').update(`${user}\n${address}`).digest('base64url')
