// A counting semaphore with a wait line: at most `size` holders at once, and at most `perKey` holding one key.

interface Waiter {
  key: string
  resolve: () => void
}

export class Slots {
  private held = 0
  private readonly byKey = new Map<string, number>()
  private readonly waiting: Waiter[] = []

  constructor(readonly size: number, readonly perKey = size) {}

  /**
   * Resolves with a release function once a slot is free for `key`. Waiters are served in the order they asked,
   * skipping those whose key already holds `perKey` slots (so one key cannot keep everyone else waiting).
   */
  async acquire(key = ''): Promise<() => void> {
    if (this.free(key)) this.take(key)
    else await new Promise<void>((resolve) => this.waiting.push({ key, resolve })) // a release takes it for us
    let released = false
    return () => {
      if (released) return
      released = true
      this.held--
      const n = this.byKey.get(key)! - 1
      if (n > 0) this.byKey.set(key, n)
      else this.byKey.delete(key)
      this.serve()
    }
  }

  get inUse(): number {
    return this.held
  }

  get queued(): number {
    return this.waiting.length
  }

  private free(key: string): boolean {
    return this.held < this.size && (this.byKey.get(key) ?? 0) < this.perKey
  }

  private take(key: string): void {
    this.held++
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1)
  }

  private serve(): void {
    for (let i = 0; i < this.waiting.length && this.held < this.size; ) {
      const w = this.waiting[i]!
      if (!this.free(w.key)) {
        i++
        continue
      }
      this.waiting.splice(i, 1)
      this.take(w.key)
      w.resolve()
    }
  }
}
