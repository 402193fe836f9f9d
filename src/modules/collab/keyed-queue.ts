// Runs async jobs one after another per key (a session), so edits and presence messages keep their order.
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>()

  /** Runs `job` after every job queued earlier for `key`; a failing job does not block the ones after it. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve()
    const result = prev.then(job)
    const tail = result.catch(() => undefined)
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return result
  }
}
