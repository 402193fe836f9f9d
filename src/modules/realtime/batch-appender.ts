// Numbered events wait here for the next batch: appended in one transaction per tick, then published in seq order.
import type { BusMessage } from '../../bus/event-bus.ts'
import type { Logger } from '../../core/logger.ts'
import type { StoreRetry } from '../../core/store-retry.ts'
import type { EventRepo } from '../../store/store.ts'
import { appendThroughOutages, type Numbered } from './append-retry.ts'
import type { Network } from './channel-log.ts'
import type { EventBuffer } from './event-buffer.ts'
import type { OrderedPublisher } from './ordered-publisher.ts'
import type { SeqAssigner } from './seq-assigner.ts'

export interface Pending extends Numbered {
  /** What it holds of the buffer until stored (or refused). */
  cost: number
  resolve: (seq: number) => void
  reject: (err: unknown) => void
}

export interface AppenderDeps {
  events: EventRepo
  seqs: SeqAssigner
  retry: StoreRetry
  buffer: EventBuffer
  /** Publishes to the local bus in seq order per channel. */
  out: OrderedPublisher
  logger: Logger
  network?: Network
  /** ChannelLog's counters: appended events and batches. */
  stats: { appended: number; batches: number }
}

export class BatchAppender {
  private pending: Pending[] = []
  private flushing: Promise<void> | null = null
  private scheduled = false

  constructor(private readonly deps: AppenderDeps) {}

  /** Events wait or are being appended. */
  get busy(): boolean {
    return this.pending.length > 0 || this.flushing !== null
  }

  add(p: Pending): void {
    this.pending.push(p)
    this.schedule()
  }

  /** The batch being appended, or else the next one now. */
  step(): Promise<void> {
    return this.flushing ?? this.flush()
  }

  private schedule() {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      if (!this.flushing) void this.flush()
    })
  }

  private flush(): Promise<void> {
    const batch = this.pending
    this.pending = []
    if (!batch.length) return Promise.resolve()
    this.flushing = this.append(batch).finally(() => {
      this.flushing = null
      if (this.pending.length) this.schedule()
    })
    return this.flushing
  }

  private async append(batch: Pending[]): Promise<void> {
    const { events, seqs, retry, buffer, logger, stats } = this.deps
    try {
      await appendThroughOutages(
        events,
        batch,
        () => this.pending,
        seqs.assigned,
        retry,
        (err, n) => buffer.waiting(err, n, batch.length),
      )
    } catch (err) {
      const channels = [...new Set(batch.map((p) => p.record.channel))]
      logger.error('event log append failed; events lost', { error: String(err), events: batch.length, channels })
      for (const ch of channels) seqs.forget(ch)
      for (const p of batch) this.settle(p).reject(err)
      return
    }
    stats.appended += batch.length
    stats.batches++
    this.publish(batch)
    for (const p of batch) this.settle(p).resolve(p.record.seq)
  }

  /** Stored: to the local bus in order, and to the other nodes. */
  private publish(batch: Pending[]): void {
    const net = this.deps.network
    for (const p of batch) {
      const m: BusMessage = { channel: p.record.channel, type: p.record.type, seq: p.record.seq, frame: p.frame }
      this.deps.out.offer(m)
      net?.bus.publish({ ...m, origin: net.nodeId })
    }
  }

  /** The event leaves the buffer (stored, or given up). */
  private settle(p: Pending): Pending {
    this.deps.buffer.release(p.cost)
    return p
  }
}
