// Keeps the process up when background work fails only because the database is unreachable (it heals by itself).
import { StoreUnavailable } from '../store/store.ts'
import type { Logger } from './logger.ts'

/**
 * Work started without a waiting caller mostly waits out an outage (events and execution bookkeeping are retried),
 * but some rejects with StoreUnavailable while PostgreSQL is down (an emit refused by a full event buffer, a
 * periodic prune); that is logged, not a crash: requests get 503s meanwhile and all works again once the database is
 * back. Any other unhandled rejection still ends the process (exit 1), as without this handler.
 */
export function guardStoreOutages(logger: Logger, exit: (code: number) => void = (c) => process.exit(c)): void {
  process.on('unhandledRejection', (reason) => {
    if (reason instanceof StoreUnavailable) {
      logger.error('background work failed: the database is unreachable', { error: reason.message })
      return
    }
    process.stderr.write(`cchub: unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}\n`)
    exit(1)
  })
}
