// The memory bound on channel events emitted and not stored yet (while the database is away they wait there).
import type { Logger } from '../../core/logger.ts'
import { StoreUnavailable } from '../../store/store.ts'

/** An event's memory while it waits: its data twice (the record's and the frame's copy) and the envelope around it. */
const costOf = (dataJson: string) => 2 * dataJson.length + 256

/**
 * Counts what waits. A full buffer refuses new events with StoreUnavailable (the caller's 503, or its own retry)
 * rather than growing until the process runs out of memory; that is logged as an error once per episode.
 */
export class EventBuffer {
  /** Bytes (costOf) of the events waiting. */
  bytes = 0
  /** Emits refused since the buffer was last full. */
  private refused = 0

  constructor(
    private readonly maxBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Takes the event's share, returned for `release`; throws when it does not fit. */
  reserve(dataJson: string): number {
    const cost = costOf(dataJson)
    if (this.bytes + cost > this.maxBytes) {
      if (this.refused++ === 0)
        this.logger.error('event buffer full: new events are refused until the database stores the waiting ones', {
          buffered_bytes: this.bytes,
          max_bytes: this.maxBytes,
        })
      throw new StoreUnavailable(
        `The event buffer is full (${this.bytes} of ${this.maxBytes} bytes wait for the database); the event was not stored`,
      )
    }
    if (this.refused) this.logger.warn('event buffer accepts events again', { refused: this.refused })
    this.refused = 0
    this.bytes += cost
    return cost
  }

  release(cost: number): void {
    this.bytes -= cost
  }

  /** A batch the database refused because it is away: said when the wait starts, then every 10th retry. */
  waiting(err: StoreUnavailable, attempt: number, events: number): void {
    if (attempt % 10 !== 1) return
    this.logger.warn('event log: the database is away; events wait in memory and are retried', {
      error: err.message,
      attempt,
      events,
      buffered_bytes: this.bytes,
    })
  }
}
