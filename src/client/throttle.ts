// Outgoing token bucket: keeps bursts (e.g. re-subscribing 50 channels on reconnect) under the server's rate limit.
export class SendThrottle {
  private tokens: number
  private last = Date.now()
  private readonly queue: (() => void)[] = []
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly limit: { perSecond: number; burst: number } | null) {
    this.tokens = limit?.burst ?? 0
  }

  /** Runs `send` now if a token is free, else once one is; order is kept. */
  run(send: () => void): void {
    if (!this.limit) return send()
    this.queue.push(send)
    this.pump()
  }

  /**
   * Forgets queued sends (their socket is gone); a fresh connection starts with a full bucket, as the server's does.
   */
  reset(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.queue.length = 0
    this.tokens = this.limit?.burst ?? 0
    this.last = Date.now()
  }

  private pump(): void {
    const limit = this.limit!
    const now = Date.now()
    this.tokens = Math.min(limit.burst, this.tokens + ((now - this.last) / 1000) * limit.perSecond)
    this.last = now
    while (this.queue.length && this.tokens >= 1) {
      this.tokens--
      this.queue.shift()!()
    }
    if (this.queue.length && !this.timer) {
      const wait = Math.ceil(((1 - this.tokens) / limit.perSecond) * 1000)
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.pump()
      }, wait)
    }
  }
}
