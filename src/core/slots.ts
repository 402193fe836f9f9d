// A counting semaphore with a FIFO wait line: at most `size` holders at once.

export class Slots {
  private held = 0
  private readonly waiting: (() => void)[] = []

  constructor(readonly size: number) {}

  /** Resolves with a release function once a slot is free; waiters are served in the order they asked. */
  async acquire(): Promise<() => void> {
    if (this.held < this.size) this.held++
    else await new Promise<void>((resolve) => this.waiting.push(resolve)) // the releaser hands its slot over
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.held--
    }
  }

  get inUse(): number {
    return this.held
  }

  get queued(): number {
    return this.waiting.length
  }
}
