// Callers waiting for the connection to be open: connect() and requests made while the socket is down.
import { CchubError } from './errors.ts'

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
}

export class OpenWaiters {
  private readonly waiters = new Set<Waiter>()

  /** Settles on resolveAll() or rejectAll(); timeoutMs 0 never times out. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const waiter: Waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (err) => (clearTimeout(timer), reject(err)),
      }
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.waiters.delete(waiter)
          reject(new CchubError('TIMEOUT', `Not connected within ${timeoutMs} ms`))
        }, timeoutMs)
      }
      this.waiters.add(waiter)
    })
  }

  resolveAll(): void {
    for (const w of this.waiters) w.resolve()
    this.waiters.clear()
  }

  rejectAll(err: Error): void {
    for (const w of this.waiters) w.reject(err)
    this.waiters.clear()
  }
}
