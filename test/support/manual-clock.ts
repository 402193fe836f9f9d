// A Clock that moves only when a test advances it: timers fire in due order, synchronously, inside advance().
import type { Clock } from '../../src/core/clock.ts'

interface Timer {
  due: number
  seq: number
  fn: () => void
  /** Set for every(): the timer is put back after it runs. */
  every?: number
}

export class ManualClock implements Clock {
  private t: number
  private seq = 0
  private timers: Timer[] = []

  /** Starts at the real time, so records written with it look like any others. */
  constructor(start = Date.now()) {
    this.t = start
  }

  now(): number {
    return this.t
  }

  after(ms: number, fn: () => void): () => void {
    return this.add({ due: this.t + ms, seq: ++this.seq, fn })
  }

  every(ms: number, fn: () => void): () => void {
    return this.add({ due: this.t + ms, seq: ++this.seq, fn, every: Math.max(1, ms) })
  }

  /** Timers still waiting to fire. */
  get pending(): number {
    return this.timers.length
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way, each at its own time. */
  advance(ms: number): void {
    const end = this.t + ms
    for (;;) {
      const next = this.timers.filter((x) => x.due <= end).sort((a, b) => a.due - b.due || a.seq - b.seq)[0]
      if (!next) break
      this.t = Math.max(this.t, next.due)
      if (next.every) next.due += next.every
      else this.timers = this.timers.filter((x) => x !== next)
      next.fn()
    }
    this.t = end
  }

  private add(timer: Timer): () => void {
    this.timers.push(timer)
    return () => {
      this.timers = this.timers.filter((x) => x !== timer)
    }
  }
}
