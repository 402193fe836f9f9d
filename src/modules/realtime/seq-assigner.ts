// Gap-free seqs per durable channel: the head read once from the store (again after an outage), then counted here.
import type { StoreRetry } from '../../core/store-retry.ts'
import type { EventRepo } from '../../store/store.ts'

export class SeqAssigner {
  /** Highest seq assigned per channel (persisted or pending); appends that renumber on a conflict update it. */
  readonly assigned = new Map<string, number>()
  private readonly loading = new Map<string, Promise<number>>()
  /** Emits' reads of a channel's head, retried while the database is away; its emitters wait in emit order. */
  private readonly admissions = new Map<string, Promise<number>>()

  constructor(
    private readonly events: Pick<EventRepo, 'channelHead'>,
    /** The published heads (OrderedPublisher's): a head read from the store is published as far as this node knows. */
    private readonly published: Map<string, number>,
    private readonly retry: StoreRetry,
  ) {}

  /** The channel's head when known here already: then the next seq can be taken in the same tick. */
  known(channel: string): number | undefined {
    return this.assigned.get(channel)
  }

  /** The channel's head for an emit, read again after a backoff while the database is away. */
  admit(channel: string): Promise<number> {
    let p = this.admissions.get(channel)
    if (!p) {
      p = this.retry.run(() => this.loadHead(channel)).finally(() => this.admissions.delete(channel))
      this.admissions.set(channel, p)
    }
    return p
  }

  /** Assigns the next seq above `head` (and above any assigned meanwhile). */
  take(channel: string, head: number): number {
    const seq = Math.max(head, this.assigned.get(channel) ?? 0) + 1
    this.assigned.set(channel, seq)
    return seq
  }

  /** Another node stored `seq`: the next local emit starts above it instead of conflicting with that append first. */
  raise(channel: string, seq: number): void {
    const assigned = this.assigned.get(channel)
    if (assigned !== undefined && assigned < seq) this.assigned.set(channel, seq)
  }

  /** An append was given up: the channel's head is read from the store again on its next emit. */
  forget(channel: string): void {
    this.assigned.delete(channel)
  }

  /** The pending read of the channel's head, if one is under way. */
  loadingHead(channel: string): Promise<number> | undefined {
    return this.loading.get(channel)
  }

  /** Settles once every admission under way has (for a drain). */
  async admissionsSettled(): Promise<void> {
    await Promise.allSettled(this.admissions.values())
  }

  loadHead(channel: string): Promise<number> {
    let p = this.loading.get(channel)
    if (!p) {
      p = this.events
        .channelHead(channel)
        .then((h) => {
          if (!this.assigned.has(channel)) this.assigned.set(channel, h)
          if (!this.published.has(channel)) this.published.set(channel, h)
          return h
        })
        // a failed read (the store away) must not stay cached: the next emit asks again
        .finally(() => this.loading.delete(channel))
      this.loading.set(channel, p)
    }
    return p
  }
}
