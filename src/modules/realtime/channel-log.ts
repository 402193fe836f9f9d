// Durable channel messages: assigns gap-free seqs, persists in batched transactions, then publishes.
import type { BusMessage, EventBus } from '../../bus/event-bus.ts'
import type { Clock } from '../../core/clock.ts'
import type { Logger } from '../../core/logger.ts'
import { StoreRetry } from '../../core/store-retry.ts'
import type { EventRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import { appendThroughOutages, type Numbered } from './append-retry.ts'
import { isDurable } from './channels.ts'
import { envelope } from './envelope.ts'
import { EventBuffer } from './event-buffer.ts'
import { frameOf, OrderedPublisher } from './ordered-publisher.ts'
import type { Frame } from './recent-ring.ts'

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

interface Pending extends Numbered {
  /** What it holds of the buffer until stored (or refused). */
  cost: number
  resolve: (seq: number) => void
  reject: (err: unknown) => void
}

export class ChannelLog {
  /** Highest seq assigned per channel (persisted or pending). */
  private readonly assigned = new Map<string, number>()
  private readonly loading = new Map<string, Promise<number>>()
  /** Emits' reads of a channel's head, retried while the database is away; its emitters wait in emit order. */
  private readonly admissions = new Map<string, Promise<number>>()
  private readonly retry: StoreRetry
  private readonly buffer: EventBuffer
  /** Publishes to the local bus in seq order per channel (the published heads and the recent ring live there). */
  private readonly out: OrderedPublisher
  private pending: Pending[] = []
  /** Emits still waiting for their channel's head to load; drain() must wait for them too. */
  private admitting = 0
  private flushing: Promise<void> | null = null
  private scheduled = false
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
    let head = this.assigned.get(channel)
    if (head === undefined) {
      this.admitting++
      try {
        head = await this.admit(channel)
      } catch (err) {
        this.buffer.release(cost)
        throw err
      } finally {
        this.admitting--
      }
    }
    const seq = Math.max(head, this.assigned.get(channel) ?? 0) + 1
    this.assigned.set(channel, seq)
    const record: EventRecord = { channel, seq, type, data: dataJson, ts }
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ record, frame: envelope(type, dataJson, { channel, seq, ts }), cost, resolve, reject })
      this.schedule()
    })
  }

  /** Bytes of emitted events still waiting to be stored (see EventBuffer). */
  get bufferedBytes(): number {
    return this.buffer.bytes
  }

  /** Highest seq published so far (0 if none); loads the head from the store on first use. */
  async head(channel: string): Promise<number> {
    if (!this.out.published.has(channel)) await this.loadHead(channel)
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
    while (this.pending.length || this.flushing || this.admitting) {
      if (this.flushing) await this.flushing
      else if (this.pending.length) await this.flush()
      else await Promise.allSettled(this.admissions.values())
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
    const assigned = this.assigned.get(channel)
    // the next local emit starts above it, instead of conflicting with the other node's append first
    if (assigned !== undefined && assigned < seq) this.assigned.set(channel, seq)
    if (this.out.published.has(channel)) return this.out.offer(m)
    void this.loading.get(channel)?.then(() => this.out.offer(m))
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

  private loadHead(channel: string): Promise<number> {
    let p = this.loading.get(channel)
    if (!p) {
      p = this.store.events
        .channelHead(channel)
        .then((h) => {
          if (!this.assigned.has(channel)) this.assigned.set(channel, h)
          if (!this.out.published.has(channel)) this.out.published.set(channel, h)
          return h
        })
        // a failed read (the store away) must not stay cached: the next emit asks again
        .finally(() => this.loading.delete(channel))
      this.loading.set(channel, p)
    }
    return p
  }

  /** The channel's head for an emit, read again after a backoff while the database is away. */
  private admit(channel: string): Promise<number> {
    let p = this.admissions.get(channel)
    if (!p) {
      p = this.retry.run(() => this.loadHead(channel)).finally(() => this.admissions.delete(channel))
      this.admissions.set(channel, p)
    }
    return p
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
    this.flushing = (async () => {
      try {
        await appendThroughOutages(
          this.store.events,
          batch,
          () => this.pending,
          this.assigned,
          this.retry,
          (err, n) => this.buffer.waiting(err, n, batch.length),
        )
      } catch (err) {
        const channels = [...new Set(batch.map((p) => p.record.channel))]
        this.logger.error('event log append failed; events lost', {
          error: String(err),
          events: batch.length,
          channels,
        })
        for (const ch of channels) this.assigned.delete(ch)
        for (const p of batch) this.settle(p).reject(err)
        return
      }
      this.stats.appended += batch.length
      this.stats.batches++
      const net = this.network
      for (const p of batch) {
        const m: BusMessage = { channel: p.record.channel, type: p.record.type, seq: p.record.seq, frame: p.frame }
        this.out.offer(m)
        net?.bus.publish({ ...m, origin: net.nodeId })
      }
      for (const p of batch) this.settle(p).resolve(p.record.seq)
    })().finally(() => {
      this.flushing = null
      if (this.pending.length) this.schedule()
    })
    return this.flushing
  }

  /** The event leaves the buffer (stored, or given up). */
  private settle(p: Pending): Pending {
    this.buffer.release(p.cost)
    return p
  }
}
