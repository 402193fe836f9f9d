// Publishes each channel's durable frames to the local bus in seq order, whoever stored them: gaps are read from the store.
import type { BusMessage, EventBus } from '../../bus/event-bus.ts'
import type { Logger } from '../../core/logger.ts'
import type { EventRecord } from '../../store/records.ts'
import type { EventRepo } from '../../store/store.ts'
import { envelope } from './envelope.ts'
import { RecentRing } from './recent-ring.ts'

/** Memory for recent frames across all channels (~64 MB of ASCII JSON); beyond it replays read the store. */
const RING_CHARS = 64 * 1024 * 1024
/** Events read from the store per query when filling a gap. */
const PAGE = 500

export const frameOf = (e: EventRecord): string =>
  envelope(e.type, e.data, { channel: e.channel, seq: e.seq, ts: e.ts })

/**
 * On one node every seq arrives as head + 1 and is published at once (the only cost is one comparison). With other
 * nodes appending too, a frame may arrive past the next seq (another node's message was lost on the network, or is
 * still on its way behind ours): the missing ones are read from the store and published first, while later frames
 * of that channel wait their turn; a seq already published is dropped. So a subscriber that joined at head h gets
 * h + 1, h + 2, … each once.
 */
export class OrderedPublisher {
  /** Highest seq published per channel: everything at or below it is in the store and was delivered here. */
  readonly published = new Map<string, number>()
  readonly ring = new RecentRing(512, 4096, RING_CHARS)
  /** Channels with a store read in flight; their later frames queue behind it. */
  private readonly waiting = new Map<string, Promise<void>>()
  /** Channels that may have missed messages while the network was down, caught up when next followed. */
  private readonly stale = new Set<string>()
  filledFromStore = 0

  constructor(
    private readonly events: EventRepo,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  /** Publishes `m` (durable: seq set) after whatever its channel still lacks; unknown channels have no gap to fill. */
  offer(m: BusMessage): void {
    const behind = this.waiting.get(m.channel)
    if (behind)
      return this.queue(
        m.channel,
        behind.then(() => this.step(m)),
      )
    const step = this.step(m)
    if (step) this.queue(m.channel, step)
  }

  /** Reads what the store holds past the published head (after a network break); the channel's frames wait for it. */
  catchUp(channel: string): Promise<void> {
    this.stale.delete(channel)
    this.queue(
      channel,
      (this.waiting.get(channel) ?? Promise.resolve()).then(() => this.fill(channel, Infinity)),
    )
    return this.waiting.get(channel)!
  }

  /** Marks every channel known here as possibly behind; `head` catches one up before it is used again. */
  markStale(): void {
    for (const channel of this.published.keys()) this.stale.add(channel)
  }

  isStale(channel: string): boolean {
    return this.stale.has(channel)
  }

  /** Resolves once no gap is being filled. */
  async idle(): Promise<void> {
    while (this.waiting.size) await Promise.all(this.waiting.values())
  }

  private step(m: BusMessage): Promise<void> | undefined {
    const last = this.published.get(m.channel)
    const seq = m.seq!
    if (last === undefined || seq === last + 1) this.publishNow(m)
    else if (seq > last + 1) return this.fill(m.channel, seq - 1).then(() => this.step(m))
    return undefined
  }

  /** Publishes the stored events after the published head up to `upTo`, in pages. */
  private async fill(channel: string, upTo: number): Promise<void> {
    for (;;) {
      const last = this.published.get(channel) ?? 0
      if (last >= upTo) return
      const rows = await this.events.readAfter(channel, last, Math.min(PAGE, upTo - last))
      for (const r of rows)
        if (r.seq > (this.published.get(channel) ?? 0))
          this.publishNow({ channel, type: r.type, seq: r.seq, frame: frameOf(r) })
      this.filledFromStore += rows.length
      if (rows.length < Math.min(PAGE, upTo - last)) break
    }
    const last = this.published.get(channel) ?? 0
    if (upTo !== Infinity && last < upTo) {
      // only when retention pruned them: nothing to deliver, and waiting would block the channel for ever
      this.logger.warn('events missing from the store were skipped', { channel, from: last + 1, to: upTo })
      this.published.set(channel, upTo)
    }
  }

  private publishNow(m: BusMessage): void {
    this.ring.push(m.channel, { seq: m.seq!, frame: m.frame })
    this.published.set(m.channel, m.seq!)
    this.bus.publish(m)
  }

  private queue(channel: string, work: Promise<void>): void {
    const tail: Promise<void> = work
      .catch((err) => this.logger.error('filling a gap from the store failed', { channel, error: String(err) }))
      .finally(() => {
        if (this.waiting.get(channel) === tail) this.waiting.delete(channel)
      })
    this.waiting.set(channel, tail)
  }
}
