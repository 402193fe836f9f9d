// Small in-memory limiters: a failure counter with a sliding window, and a token bucket.
export class FailureWindow {
  private readonly hits = new Map<string, number[]>()
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or 0 when it is not blocked. */
  retryAfter(key: string): number {
    const list = this.fresh(key)
    if (list.length < this.max) return 0
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - this.now()) / 1000))
  }
  fail(key: string): void {
    const list = this.fresh(key)
    list.push(this.now())
    this.hits.set(key, list)
    if (this.hits.size > 100_000) this.sweep()
  }
  private fresh(key: string): number[] {
    const cutoff = this.now() - this.windowMs
    const list = (this.hits.get(key) ?? []).filter((t) => t > cutoff)
    if (list.length) this.hits.set(key, list)
    else this.hits.delete(key)
    return list
  }
  private sweep() {
    for (const key of [...this.hits.keys()]) this.fresh(key)
  }
}

/** Classic token bucket: `rate` tokens per second up to `burst`; take() says whether one was available. */
export class TokenBucket {
  private tokens: number
  private last: number
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = burst
    this.last = now()
  }
  take(): boolean {
    const t = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate)
    this.last = t
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
