// Requests waiting for their one reply, keyed by id, each with its own timeout.
import { CchubError } from './errors.ts'

interface Entry {
  resolve: (data: unknown) => void
  reject: (err: Error) => void
  timer: ReturnType<typeof setTimeout> | undefined
}

export class PendingRequests {
  private readonly entries = new Map<string, Entry>()
  private counter = 0

  /** A fresh id; the prefix makes ids from different clients easy to tell apart in server logs. */
  nextId(): string {
    return `c${(++this.counter).toString(36)}`
  }

  /** Registers `id`; timeoutMs <= 0 waits until a reply or `rejectAll`. */
  add(id: string, timeoutMs: number, type: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(
              () => this.settle(id, new CchubError('TIMEOUT', `No reply to ${type} within ${timeoutMs} ms`)),
              timeoutMs,
            )
          : undefined
      this.entries.set(id, { resolve, reject, timer })
    })
  }

  has(id: string): boolean {
    return this.entries.has(id)
  }

  /** Settles one request with its reply data or an error; false when nothing waited for `id`. */
  settle(id: string, result: { data: unknown } | Error): boolean {
    const entry = this.entries.get(id)
    if (!entry) return false
    this.entries.delete(id)
    clearTimeout(entry.timer)
    if (result instanceof Error) entry.reject(result)
    else entry.resolve(result.data)
    return true
  }

  /** The socket is gone: nobody will answer these any more. */
  rejectAll(err: () => Error): void {
    for (const id of [...this.entries.keys()]) this.settle(id, err())
  }
}
