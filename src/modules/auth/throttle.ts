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

/**
 * A username that failed too often is not locked for everyone (that would let anyone lock the admin out): only
 * addresses
 * from which that user has not logged in successfully within the trust TTL are turned away until the window passes.
 * Trusted addresses are kept in memory as hashes (never the address itself), so a restart forgets them.
 */
export class LoginThrottle {
  private readonly byUser: FailureWindow
  private readonly byAddress: FailureWindow
  private readonly trusted = new Map<string, number>()
  private readonly now: () => number

  constructor(private readonly o: ThrottleOptions) {
    this.now = o.now ?? Date.now
    this.byUser = new FailureWindow(o.maxFailures, o.windowMs, this.now)
    this.byAddress = new FailureWindow(o.maxFailures * 4, o.windowMs, this.now)
  }

  /** Throws 429 RATE_LIMITED when the address is over its limit, or the username is and the address is not trusted. */
  check(username: string, address: string): void {
    const user = username.toLowerCase()
    let wait = this.byAddress.retryAfter(address)
    if (!this.isTrusted(user, address)) wait = Math.max(wait, this.byUser.retryAfter(user))
    if (wait > 0) {
      throw new AppError('RATE_LIMITED', 429, `Too many failed password attempts; try again in ${wait} s`, {
        details: { retry_after_s: wait },
        headers: { 'retry-after': String(wait) },
      })
    }
  }

  failed(username: string, address: string): void {
    this.byUser.fail(username.toLowerCase())
    this.byAddress.fail(address)
  }

  /**
   * Trusts the address for this user; the username's failures stay counted so an attacker elsewhere gains no new tries.
   */
  succeeded(username: string, address: string): void {
    const now = this.now()
    if (this.trusted.size >= 100_000) for (const [k, until] of this.trusted) if (until <= now) this.trusted.delete(k)
    this.trusted.set(trustKey(username.toLowerCase(), address), now + this.o.trustTtlMs)
  }

  private isTrusted(user: string, address: string): boolean {
    const key = trustKey(user, address)
    const until = this.trusted.get(key)
    if (until === undefined) return false
    if (until > this.now()) return true
    this.trusted.delete(key)
    return false
  }
}

const trustKey = (user: string, address: string) =>
  new Bun.CryptoHasher('sha256').update(`${user}\n${address}`).digest('base64url')
