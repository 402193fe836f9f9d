// Time for the code whose behaviour is about time (presence grace, typing expiry, heartbeats, share-link expiry).
/** Passed in rather than read from globals, so a test can move time forward instead of waiting for it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Runs `fn` once after `ms`; the returned function cancels it. Never keeps the process alive. */
  after(ms: number, fn: () => void): () => void
  /** Runs `fn` every `ms`; the returned function stops it. Never keeps the process alive. */
  every(ms: number, fn: () => void): () => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms)
    t.unref?.()
    return () => clearTimeout(t)
  },
  every(ms, fn) {
    const t = setInterval(fn, ms)
    t.unref?.()
    return () => clearInterval(t)
  },
}
