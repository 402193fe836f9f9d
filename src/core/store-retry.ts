// Retries work the database refused only because it is away (StoreUnavailable), with backoff, until it is back or closed.
import { StoreUnavailable } from '../store/store.ts'
import type { Clock } from './clock.ts'

/** First wait after a refusal; it doubles up to MAX_DELAY_MS, so a restart of a few seconds costs at most ~2 s more. */
const FIRST_DELAY_MS = 100
const MAX_DELAY_MS = 2000

export const retryDelay = (attempt: number): number => Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1))

/**
 * For work nobody waits on in a request (an execution's events and final status): a database restart must delay it,
 * not lose it. Any other error is thrown at once. After `close()` (shutdown) every waiting retry gives up with the
 * last StoreUnavailable, and later calls try once.
 */
export class StoreRetry {
  private closed = false
  private readonly sleeping = new Set<() => void>()

  constructor(private readonly clock: Clock) {}

  /** `op(attempt)` until it does not reject with StoreUnavailable; `onRetry` hears of each refusal that is retried. */
  async run<T>(
    op: (attempt: number) => Promise<T>,
    onRetry?: (err: StoreUnavailable, attempt: number) => void,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op(attempt)
      } catch (err) {
        if (!(err instanceof StoreUnavailable) || this.closed) throw err
        onRetry?.(err, attempt)
        await this.sleep(retryDelay(attempt))
      }
    }
  }

  /** Stops retrying: waits end now (their work tries once more and then gives up). */
  close(): void {
    this.closed = true
    for (const wake of [...this.sleeping]) wake()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        cancel()
        this.sleeping.delete(wake)
        resolve()
      }
      const cancel = this.clock.after(ms, wake)
      this.sleeping.add(wake)
    })
  }
}
