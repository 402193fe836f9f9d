// Reconnect timing: jittered backoff between attempts, reset only by a connection that stayed up, and when to stop.
import { Backoff } from './backoff.ts'
import { CREDENTIAL_CLOSE_CODES } from './close-codes.ts'
import type { CchubClientOptions } from './types.ts'

export class Reconnector {
  private readonly backoff: Backoff
  private timer: ReturnType<typeof setTimeout> | undefined
  private stableTimer: ReturnType<typeof setTimeout> | undefined
  private count = 0

  constructor(private readonly opts: CchubClientOptions) {
    this.backoff = new Backoff({ baseMs: opts.reconnect?.baseMs ?? 500, maxMs: opts.reconnect?.maxMs ?? 30_000 })
  }

  /** Attempts started by the reconnect timer, as opposed to connect(). */
  get reconnects(): number {
    return this.count
  }

  reset(): void {
    this.backoff.reset()
  }

  /** Only a connection that stays up proves the server healthy; a flapping one keeps backing off. */
  armStable(): void {
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.opts.reconnect?.stableAfterMs ?? 5_000)
  }

  disarmStable(): void {
    clearTimeout(this.stableTimer)
  }

  /** Credentials that failed are retried only with a tokenProvider, which can mint new ones. */
  shouldGiveUp(code: number, authFailed: boolean): boolean {
    const badCredentials = CREDENTIAL_CLOSE_CODES.has(code) || authFailed
    return (badCredentials && !this.opts.tokenProvider) || this.opts.reconnect?.enabled === false
  }

  nextDelay(): number {
    return this.backoff.next()
  }

  /** Separate from nextDelay() so the delay can be announced before the timer is set. */
  schedule(delayMs: number, retry: () => void): void {
    this.timer = setTimeout(() => {
      this.count++
      retry()
    }, delayMs)
  }

  cancel(): void {
    clearTimeout(this.timer)
  }
}
