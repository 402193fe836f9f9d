// Durable channel messages: assigns gap-free seqs, persists in batched transactions, then publishes.
import type { BusMessage, EventBus } from '../../bus/event-bus.ts'
import type { Clock } from '../../core/clock.ts'
import type { Logger } from '../../core/logger.ts'
import { StoreRetry } from '../../core/store-retry.ts'
import type { EventRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import { BatchAppender } from './batch-appender.ts'
import { isDurable } from './channels.ts'
import { envelope } from './envelope.ts'
import { EventBuffer } from './event-buffer.ts'
import { frameOf, OrderedPublisher } from './ordered-publisher.ts'
import type { Frame } from './recent-ring.ts'
import { SeqAssigner } from './seq-assigner.ts'

/** Where this node's messages go besides the local bus when it is one of several (a RedisBus), and its name there. */
export interface Network {
  bus: EventBus
  nodeId: string
}

/** Events not stored yet wait in memory (while the database is away, for as long as it is away), up to a bound. */
export interface Outages {
  /** For the waits between retries. */
  clock: Clock
  /** CCHUB_EVENT_BUFFER_MAX_BYTES: beyond it new emits are refused. */
  bufferMaxBytes: number
}

export class ChannelLog {
  private readonly seqs: SeqAssigner
  private readonly retry: StoreRetry
  private readonly buffer: EventBuffer
  /** Publishes to the local bus in seq order per channel (the published heads and the recent ring live there). */
  private readonly out: OrderedPublisher
  private readonly batches: BatchAppender
  /** Emits still waiting for their channel's head to load; drain() must wait for them too. */
  private admitting = 0
  stats = { appended: 0, batches: 0, replayedFromStore: 0, replayedFromRing: 0 }

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly outages: Outages,
    private readonly network?: Network,
  ) {
    this.out = new OrderedPublisher(store.events, bus, logger)
    this.retry = new StoreRetry(outages.clock)
    this.buffer = new EventBuffer(outages.bufferMaxBytes, logger)
    this.seqs = new SeqAssigner(store.events, this.out.published, this.retry)
    const { retry, buffer, out, seqs, stats } = this
    this.batches = new BatchAppender({ events: store.events, seqs, retry, buffer, out, logger, network, stats })
  }

  /**
   * Appends a message to `channel` and publishes it. Durable channels: resolves with the seq once the message is
   * stored (acknowledged); while the database is away it waits in memory, retried, and is published once stored.
   * Rejects with StoreUnavailable when the buffer is full. Live-only channels (system, broadcast): published at once,
   * resolves undefined.
   */
  async emit(channel: string, type: string, data: unknown): Promise<number | undefined> {
    const ts = Date.now()
    const dataJson = JSON.stringify(data ?? null)
    if (!isDurable(channel)) {
      const m = { channel, type, frame: envelope(type, dataJson, { channel, ts }) }
      this.bus.publish(m)
      this.shareLive(m)
      return undefined
    }
    const cost = this.buffer.reserve(dataJson)
    let head = this.seqs.known(channel)
    if (head === undefined) {
      this.admitting++
      try {
        head = await this.seqs.admit(channel)
      } catch (err) {
        this.buffer.release(cost)
        throw err
      } finally {
        this.admitting--
      }
    }
    const seq = this.seqs.take(channel, head)
    const record: EventRecord = { channel, seq, type, data: dataJson, ts }
    return new Promise<number>((resolve, reject) => {
      this.batches.add({ record, frame: envelope(type, dataJson, { channel, seq, ts }), cost, resolve, reject })
    })
  }

  /** Bytes of emitted events still waiting to be stored (see EventBuffer). */
  get bufferedBytes(): number {
    return this.buffer.bytes
  }

  /** Highest seq published so far (0 if none); loads the head from the store on first use. */
  async head(channel: string): Promise<number> {
    if (!this.out.published.has(channel)) await this.seqs.loadHead(channel)
    else if (this.out.isStale(channel)) await this.out.catchUp(channel)
    return this.publishedHead(channel)
  }

  /** Synchronous view of what has been published, for the gateway's same-tick replay hand-over. */
  publishedHead(channel: string): number {
    return this.out.published.get(channel) ?? 0
  }

  /** Frames with seq in (after, publishedHead] from memory, or null when the ring no longer covers `after + 1`. */
  recentSync(channel: string, after: number): Frame[] | null {
    const out = this.out.ring.after(channel, after, this.publishedHead(channel))
    if (out) this.stats.replayedFromRing += out.length
    return out
  }

  /** Published frames with seq > after, from the store, at most `limit`; never returns unpublished ones. */
  async readPublished(channel: string, after: number, limit: number): Promise<Frame[]> {
    const rows = await this.store.events.readAfter(channel, after, limit)
    const head = this.publishedHead(channel)
    const out: Frame[] = []
    for (const r of rows) if (r.seq <= head) out.push({ seq: r.seq, frame: frameOf(r) })
    this.stats.replayedFromStore += out.length
    return out
  }

  async oldestSeq(channel: string): Promise<number | null> {
    return this.store.events.oldestSeq(channel)
  }

  /** Resolves when everything emitted so far is stored and published. */
  async drain(): Promise<void> {
    while (this.batches.busy || this.admitting) {
      if (this.batches.busy) await this.batches.step()
      else await this.seqs.admissionsSettled()
    }
    await this.out.idle()
  }

  /**
   * Shutdown: waits up to `graceMs` for the buffered events to be stored; then the database gets one more try, and
   * what it still refuses is given up (logged, its emitters rejected).
   */
  async close(graceMs: number): Promise<void> {
    let cancel = () => {}
    await Promise.race([this.drain(), new Promise<void>((r) => (cancel = this.outages.clock.after(graceMs, r)))])
    cancel()
    if (this.buffer.bytes)
      this.logger.error('shutdown: events still wait for the database; one last try', { bytes: this.buffer.bytes })
    this.retry.close()
    await this.drain()
  }

  /** A live-only frame for the other nodes' subscribers (the local ones have it already): typing, cursors. */
  shareLive(m: BusMessage): void {
    this.network?.bus.publish({ ...m, origin: this.network.nodeId })
  }

  /**
   * A durable message another node stored: published here in seq order (a gap is read from the store first). A
   * channel nobody here has used is skipped: its head is read from the store on first use.
   */
  acceptRemote(m: BusMessage): void {
    const { channel, seq } = m as BusMessage & { seq: number }
    this.seqs.raise(channel, seq)
    if (this.out.published.has(channel)) return this.out.offer(m)
    void this.seqs.loadingHead(channel)?.then(() => this.out.offer(m))
  }

  /**
   * After a network break: `live` channels (with subscribers here) are read from the store now; the others are
   * marked, and caught up when next subscribed to.
   */
  resync(live: Iterable<string>): void {
    this.out.markStale()
    for (const channel of live) if (this.out.published.has(channel)) void this.out.catchUp(channel)
  }

  get filledFromStore(): number {
    return this.out.filledFromStore
  }

  /** Deletes events older than the retention period; channel heads stay, so seqs never repeat. */
  async prune(retentionMs: number): Promise<number> {
    const removed = await this.store.events.prune(Date.now() - retentionMs)
    if (removed) this.logger.info('event log pruned', { removed })
    return removed
  }
}
