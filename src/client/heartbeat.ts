// Application-level liveness: pings on a timer; if no frame at all follows a ping in time, the socket is presumed dead.
export class Heartbeat {
  private interval: ReturnType<typeof setInterval> | undefined
  private deadline: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly ping: () => void,
    private readonly onDead: () => void,
  ) {}

  start(): void {
    this.stop()
    if (this.intervalMs <= 0) return
    this.interval = setInterval(() => this.tick(), this.intervalMs)
  }

  /** Any frame proves the link works, so a long replay that delays the pong is not mistaken for a dead socket. */
  alive(): void {
    clearTimeout(this.deadline)
    this.deadline = undefined
  }

  stop(): void {
    clearInterval(this.interval)
    this.interval = undefined
    this.alive()
  }

  private tick(): void {
    this.ping()
    // a half-open TCP connection never reports close by itself; only a missing answer reveals it
    this.deadline ??= setTimeout(() => {
      this.deadline = undefined
      this.onDead()
    }, this.timeoutMs)
  }
}
