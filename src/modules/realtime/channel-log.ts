// Durable channel messages: assigns gap-free seqs, persists in batched transactions, then publishes.
import type { EventBus } from '../../bus/event-bus.ts'
import type { Logger } from '../../core/logger.ts'
import type { EventRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import { isDurable } from './channels.ts'
import { envelope } from './envelope.ts'
import { RecentRing, type Frame } from './recent-ring.ts'

/** Memory for recent frames across all channels (~64 MB of ASCII JSON); beyond it replays read the store. */
const RING_CHARS = 64 * 1024 * 1024

interface Pending {
  record: EventRecord
  frame: string
  resolve: (seq: number) => void
  reject: (err: unknown) => void
}

export const frameOf = (e: EventRecord): string =>
  envelope(e.type, e.data, { channel: e.channel, seq: e.seq, ts: e.ts })

export class ChannelLog {
  /** Highest seq assigned per channel (persisted or pending). */
  private readonly assigned = new Map<string, number>()
  private readonly loading = new Map<string, Promise<number>>()
  /** Highest seq published to the bus per channel: everything at or below it is in the store and was sent live. */
  private readonly published = new Map<string, number>()
  private readonly ring = new RecentRing(512, 4096, RING_CHARS)
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
  ) {}

  /**
   * Appends a message to `channel` and publishes it. Durable channels: resolves with the seq once the message is
   * stored (acknowledged). Live-only channels (system, broadcast): published at once, resolves undefined.
   */
  async emit(channel: string, type: string, data: unknown): Promise<number | undefined> {
    const ts = Date.now()
    const dataJson = JSON.stringify(data ?? null)
    if (!isDurable(channel)) {
      this.bus.publish({ channel, type, frame: envelope(type, dataJson, { channel, ts }) })
      return undefined
    }
    let head = this.assigned.get(channel)
    if (head === undefined) {
      this.admitting++
      try {
        head = await this.loadHead(channel)
      } finally {
        this.admitting--
      }
    }
    const seq = Math.max(head, this.assigned.get(channel) ?? 0) + 1
    this.assigned.set(channel, seq)
    const record: EventRecord = { channel, seq, type, data: dataJson, ts }
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ record, frame: envelope(type, dataJson, { channel, seq, ts }), resolve, reject })
      this.schedule()
    })
  }

  /** Highest seq published so far (0 if none); loads the head from the store on first use. */
  async head(channel: string): Promise<number> {
    if (!this.published.has(channel)) {
      const h = await this.loadHead(channel)
      if (!this.published.has(channel)) this.published.set(channel, h)
    }
    return this.published.get(channel)!
  }

  /** Synchronous view of what has been published, for the gateway's same-tick replay hand-over. */
  publishedHead(channel: string): number {
    return this.published.get(channel) ?? 0
  }

  /** Frames with seq in (after, publishedHead] from memory, or null when the ring no longer covers `after + 1`. */
  recentSync(channel: string, after: number): Frame[] | null {
    const out = this.ring.after(channel, after, this.publishedHead(channel))
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
      else await Promise.all(this.loading.values())
    }
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
      p = this.store.events.channelHead(channel).then((h) => {
        if (!this.assigned.has(channel)) this.assigned.set(channel, h)
        if (!this.published.has(channel)) this.published.set(channel, h)
        this.loading.delete(channel)
        return h
      })
      this.loading.set(channel, p)
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
        await this.store.events.appendEvents(batch.map((p) => p.record))
      } catch (err) {
        this.logger.error('event log append failed', { error: String(err), events: batch.length })
        for (const ch of new Set(batch.map((p) => p.record.channel))) this.assigned.delete(ch)
        for (const p of batch) p.reject(err)
        return
      }
      this.stats.appended += batch.length
      this.stats.batches++
      for (const p of batch) {
        const { channel, seq } = p.record
        this.ring.push(channel, { seq, frame: p.frame })
        this.published.set(channel, seq)
        this.bus.publish({ channel, type: p.record.type, seq, frame: p.frame })
      }
      for (const p of batch) p.resolve(p.record.seq)
    })().finally(() => {
      this.flushing = null
      if (this.pending.length) this.schedule()
    })
    return this.flushing
  }
}
