// A counting semaphore whose wait line is fair between keys: at most `size` holders at once.

interface Waiter {
  key: string
  resolve: () => void
}

/**
 * Work-conserving: one key may hold every slot while nobody else waits. When a slot frees up, it goes to the waiter
 * whose key holds the fewest slots (the earliest of those), so a key with many requests cannot keep the others
 * waiting behind all of them.
 */
export class Slots {
  private held = 0
  private readonly byKey = new Map<string, number>()
  private readonly waiting: Waiter[] = []

  constructor(readonly size: number) {}

  /** Resolves with a release function once a slot is this caller's. */
  async acquire(key = ''): Promise<() => void> {
    if (this.held < this.size) this.take(key)
    else await new Promise<void>((resolve) => this.waiting.push({ key, resolve })) // a release takes it for us
    let released = false
    return () => {
      if (released) return
      released = true
      this.held--
      const n = this.byKey.get(key)! - 1
      if (n > 0) this.byKey.set(key, n)
      else this.byKey.delete(key)
      this.serveOne()
    }
  }

  get inUse(): number {
    return this.held
  }

  get queued(): number {
    return this.waiting.length
  }

  private take(key: string): void {
    this.held++
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1)
  }

  private serveOne(): void {
    if (!this.waiting.length) return
    let best = 0
    for (let i = 1; i < this.waiting.length; i++) {
      if ((this.byKey.get(this.waiting[i]!.key) ?? 0) < (this.byKey.get(this.waiting[best]!.key) ?? 0)) best = i
    }
    const [w] = this.waiting.splice(best, 1)
    this.take(w!.key)
    w!.resolve()
  }
}
