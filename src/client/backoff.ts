// Exponential backoff with full jitter: spreads reconnecting clients so a restarted server is not stampeded.
export interface BackoffOptions {
  baseMs: number
  maxMs: number
  /** Injected for tests; returns a number in [0, 1). */
  random?: () => number
}

export class Backoff {
  private attempt = 0

  constructor(private readonly opts: BackoffOptions) {}

  /** Delay before the next attempt: uniform in [0, min(max, base * 2^attempt)]. */
  next(): number {
    const ceiling = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(this.attempt, 30))
    this.attempt++
    return Math.floor((this.opts.random ?? Math.random)() * ceiling)
  }

  reset(): void {
    this.attempt = 0
  }

  get attempts(): number {
    return this.attempt
  }
}
