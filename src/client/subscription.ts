// One channel's subscription: its handlers, the last seq seen, and the hand-over from replay to live delivery.
import { CchubError } from './errors.ts'
import type { ChannelMessage, GapInfo, MessageHandler, ResetInfo, SubscribeOptions, SubscribeReply } from './types.ts'

export interface HandlerEntry {
  fn: MessageHandler
  opts: SubscribeOptions
}

const LIVE_ONLY = new Set(['system', 'broadcast'])

export class ChannelSubscription {
  readonly handlers = new Set<HandlerEntry>()
  /** Highest seq delivered (or handed over by the server); sent as `since` on every re-subscribe. */
  lastSeq: number | undefined
  /** Frames dropped because their seq was already seen; the server guarantees none, so this should stay 0. */
  duplicates = 0
  /** A subscribe request is in flight on the current socket. */
  pending = false
  retryTimer: ReturnType<typeof setTimeout> | undefined
  readonly ready: Promise<SubscribeReply>
  private buffer: ChannelMessage[] = []
  private settleReady: ((reply: SubscribeReply | Error) => void) | undefined

  constructor(
    readonly channel: string,
    since: number | undefined,
    private readonly report: (err: unknown) => void,
  ) {
    this.lastSeq = this.durable ? since : undefined
    this.ready = new Promise<SubscribeReply>((resolve, reject) => {
      this.settleReady = (r) => (r instanceof Error ? reject(r) : resolve(r))
    })
    // callers that never look at `ready` must not get an unhandled rejection
    this.ready.catch(() => {})
  }

  get durable(): boolean {
    return !LIVE_ONLY.has(this.channel)
  }

  /** The subscribe request for the current state: `since` is what makes a reconnect lose nothing. */
  request(): { channel: string; data?: { since: number } } {
    return this.lastSeq === undefined
      ? { channel: this.channel }
      : { channel: this.channel, data: { since: this.lastSeq } }
  }

  begin(): void {
    clearTimeout(this.retryTimer)
    this.pending = true
    this.buffer = []
  }

  /** Frames that arrive while the subscribe is pending wait, so the reply's truncated/reset applies before them. */
  receive(msg: ChannelMessage): void {
    if (this.pending) this.buffer.push(msg)
    else this.deliver(msg, false)
  }

  /**
   * Applies a subscribe reply: reset and gap notices first, then the waiting frames, then the server's hand-over seq.
   */
  accept(reply: SubscribeReply): void {
    if (reply.reset) {
      this.lastSeq = reply.reset.head
      this.notifyReset({ channel: this.channel, requestedSince: reply.reset.requested_since, head: reply.reset.head })
    }
    if (reply.truncated) {
      const { requested_since, oldest_seq } = reply.truncated
      this.notifyGap({ channel: this.channel, from: requested_since + 1, to: oldest_seq - 1, reason: 'truncated' })
    }
    this.pending = false
    const waiting = this.buffer
    this.buffer = []
    for (const msg of waiting) this.deliver(msg, reply.truncated !== undefined)
    // without `since` nothing is replayed: the reply's seq is where live delivery starts, and where a reconnect resumes
    if (this.durable && reply.seq !== undefined) this.lastSeq = Math.max(this.lastSeq ?? 0, reply.seq)
    this.settleReady?.(reply)
    this.settleReady = undefined
  }

  /** The socket went away mid-subscribe: waiting frames are dropped, the replay on the next socket resends them. */
  interrupt(): void {
    clearTimeout(this.retryTimer)
    this.pending = false
    this.buffer = []
  }

  /** Refused (e.g. FORBIDDEN) or revoked by the server: handlers hear why, `ready` rejects if still waiting. */
  fail(err: Error): void {
    this.interrupt()
    for (const h of this.handlers) this.guard(() => h.opts.onError?.(err))
    this.settleReady?.(err)
    this.settleReady = undefined
  }

  revoked(reason: string): void {
    this.fail(new CchubError('UNSUBSCRIBED', `The server ended the subscription to ${this.channel}: ${reason}`))
  }

  private deliver(msg: ChannelMessage, jumpExpected: boolean): void {
    const seq = msg.seq
    if (this.durable && typeof seq === 'number') {
      if (this.lastSeq !== undefined && seq <= this.lastSeq) {
        this.duplicates++
        return
      }
      if (this.lastSeq !== undefined && seq > this.lastSeq + 1 && !jumpExpected) {
        this.notifyGap({ channel: this.channel, from: this.lastSeq + 1, to: seq - 1, reason: 'unexpected' })
      }
      this.lastSeq = seq
    }
    for (const h of [...this.handlers]) this.guard(() => h.fn(msg))
  }

  private notifyGap(gap: GapInfo): void {
    for (const h of this.handlers) this.guard(() => h.opts.onGap?.(gap))
  }

  private notifyReset(reset: ResetInfo): void {
    for (const h of this.handlers) this.guard(() => h.opts.onReset?.(reset))
  }

  /** A throwing application handler must not break delivery to the others or the client's bookkeeping. */
  private guard(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.report(err)
    }
  }
}
