// Replay with `since` for /ws and SSE: from the ring or the store, then live in the same tick; no gap, no duplicate.
import type { Slots } from '../../core/slots.ts'
import type { ChannelLog } from './channel-log.ts'
import { isDurable } from './channels.ts'
import type { Frame } from './recent-ring.ts'

const PAGE = 500
/** Most bytes a replay leaves in a client's send buffer before waiting for it to drain. */
export const REPLAY_WINDOW = 1024 * 1024

/** What a replay needs of one transport (a socket, an SSE response) for one channel. */
export interface ReplaySink {
  /** The client is gone: stop. */
  readonly closed: boolean
  /** Sends one frame; false when it could not go out (closed, lost, or the channel was revoked): stop. */
  send(f: Frame): boolean
  /** Bytes sent but not yet taken by the client. */
  buffered(): number
  /** Resolves true once buffered() <= limit or the sink closed, false after `timeoutMs`. */
  writable(limit: number, timeoutMs: number): Promise<boolean>
  /** Ends a client that stopped reading (it would not read a close message either); it resumes with `since`. */
  cutOff(): void
  /**
   * Starts live delivery; called in the same synchronous block as the replay's last frame. `seq`: the highest seq the
   * client has now (sent or skipped), the next live one is seq + 1; undefined for live-only channels.
   */
  joinLive(seq: number | undefined): void
}

export interface SubscribeResult {
  channel: string
  /** Highest seq published when live delivery began; the next live message has seq + 1. */
  seq?: number
  replayed?: number
  /** Present when `since` was older than the oldest kept event: replay started at oldest_seq instead. */
  truncated?: { requested_since: number; oldest_seq: number }
  /**
   * Present when `since` was ahead of the channel (e.g. the server's data was reset): the client should drop its state.
   */
  reset?: { requested_since: number; head: number }
}

/** Where a replay counts what it did (the gateway's /ws stats). */
export interface ReplayCounters {
  replayRequests: number
  replayedEvents: number
}

export interface ReplayOptions {
  /** Half of it, at most REPLAY_WINDOW, is what a replay may leave unsent (CCHUB_WS_BACKPRESSURE_LIMIT). */
  backpressureLimit: number
  /** How long a replay holding a slot waits for a client that does not read (CCHUB_WS_REPLAY_STALL_TIMEOUT, ms). */
  stallMs: number
}

/**
 * Frames go out only while the client's buffer stays under a window (at most 1 MiB, half the backpressure limit), so
 * a replay larger than the limit waits for the client to drain instead of tripping the close-on-limit, and a wave of
 * replays holds at most slots x window in buffers. Whatever does not go out in the first synchronous pass over the
 * ring waits for a replay slot (fair between users: `slots`) before reading the store or waiting for a drain.
 */
export class Replayer {
  readonly window: number
  readonly stallMs: number

  constructor(
    readonly log: ChannelLog,
    readonly slots: Slots,
    opts: ReplayOptions,
  ) {
    this.window = Math.min(REPLAY_WINDOW, opts.backpressureLimit / 2)
    this.stallMs = opts.stallMs
  }

  /**
   * Sends every published frame after `since` to `sink`, then joins it to live delivery; `key` is whose turn it takes.
   */
  async replayThenJoin(
    sink: ReplaySink,
    channel: string,
    since: number | undefined,
    key: string,
    counters?: ReplayCounters,
  ): Promise<SubscribeResult> {
    if (!isDurable(channel)) {
      sink.joinLive(undefined)
      return { channel }
    }
    const head = await this.log.head(channel)
    if (since === undefined) {
      const seq = this.log.publishedHead(channel)
      sink.joinLive(seq)
      return { channel, seq, replayed: 0 }
    }
    const result: SubscribeResult = { channel, replayed: 0 }
    let cursor = since
    if (since > head) {
      result.reset = { requested_since: since, head }
      cursor = head
    }
    const oldest = await this.log.oldestSeq(channel)
    if (cursor < head && (oldest === null || oldest > cursor + 1)) {
      const first = oldest ?? head + 1
      result.truncated = { requested_since: since, oldest_seq: first }
      cursor = first - 1
    }
    if (counters) counters.replayRequests++
    const run = new Run(this, sink, channel, since, key, result, counters)
    try {
      return await run.loop(cursor)
    } finally {
      run.release?.() // also when reading the store failed: a lost slot would shrink every later replay's share
    }
  }
}

/** One replay of one channel to one sink. */
class Run {
  release: (() => void) | undefined

  constructor(
    private readonly r: Replayer,
    private readonly sink: ReplaySink,
    private readonly channel: string,
    private readonly since: number,
    private readonly key: string,
    private readonly result: SubscribeResult,
    private readonly counters: ReplayCounters | undefined,
  ) {}

  async loop(cursor: number): Promise<SubscribeResult> {
    const { sink, channel, result } = this
    const log = this.r.log
    for (let empty = 0; ; ) {
      if (sink.closed) return result
      const tail = log.recentSync(channel, cursor)
      if (tail) {
        const sent = this.sendWhileRoom(tail, 0)
        if (sent < 0) return result
        if (sent === tail.length) {
          // the whole rest went out in this synchronous block: join now, before anything else can be published
          result.seq = tail.at(-1)?.seq ?? cursor
          sink.joinLive(result.seq)
          return result
        }
        cursor = tail[sent - 1]!.seq
        await this.drain()
        continue
      }
      await this.slot()
      if (sink.closed) return result
      const page = await log.readPublished(channel, cursor, PAGE)
      if (!page.length) {
        // only when retention pruned the rows we were about to read: skip to what is still kept
        if (++empty > 3) throw new Error(`replay of ${channel} made no progress after seq ${cursor}`)
        const next = ((await log.oldestSeq(channel)) ?? log.publishedHead(channel) + 1) - 1
        if (next > cursor) {
          result.truncated = { requested_since: this.since, oldest_seq: next + 1 }
          cursor = next
        }
        continue
      }
      for (let i = 0; i < page.length; ) {
        const sent = this.sendWhileRoom(page, i)
        if (sent < 0) return result
        i += sent
        cursor = page[i - 1]!.seq
        await this.drain()
      }
    }
  }

  private async slot(): Promise<void> {
    this.release ??= await this.r.slots.acquire(this.key)
  }

  private async drain(): Promise<void> {
    await this.slot()
    // A client that stops reading mid-replay would hold its slot for ever: after the stall timeout it is cut off like
    // any slow consumer, and resumes from where it got to once it reconnects.
    if (!(await this.sink.writable(this.r.window / 2, this.r.stallMs))) this.sink.cutOff()
  }

  /**
   * Sends frames in order until one leaves more than the window buffered (that one is sent); returns how many went
   * (at least one), or -1 when the sink is gone or lost a frame (it is being closed; the client replays again).
   */
  private sendWhileRoom(frames: Frame[], from: number): number {
    let n = 0
    for (let i = from; i < frames.length; i++) {
      if (!this.sink.send(frames[i]!)) return -1
      n++
      if (this.sink.buffered() > this.r.window) break
    }
    this.result.replayed! += n
    if (this.counters) this.counters.replayedEvents += n
    return n
  }
}
