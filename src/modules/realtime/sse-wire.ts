// One SSE response body: frames as `id:`/`event:`/`data:` events, keep-alives, live delivery, the slow-reader cut-off.
import type { BusMessage } from '../../bus/event-bus.ts'
import { until } from './drain.ts'
import type { ReplaySink } from './replay.ts'
import type { SseStream } from './sse-stream.ts'

const encoder = new TextEncoder()
const HEARTBEAT_MS = 15_000
const OVER_LIMIT_GRACE_MS = 500
const HARD_LIMIT_FACTOR = 16

export interface WireDeps {
  streams: { streamClosed(stream: SseStream): void; tap(listener: (m: BusMessage) => void): () => void }
  backpressureLimit: number
}

/**
 * Like a WebSocket, a reader that leaves more than the backpressure limit unread is cut off (it resumes from
 * Last-Event-ID), so one stuck client cannot grow the server's memory. Unlike a socket there is no kernel buffer in
 * front of this queue, so a burst may pass the limit for a moment: the reader gets OVER_LIMIT_GRACE_MS to bring it
 * back down, and is cut at once beyond HARD_LIMIT_FACTOR times the limit. Replays wait for it to drain.
 */
export class SseWire {
  stopped = false
  private controller!: ReadableStreamDefaultController<Uint8Array>
  /** Channels whose replay is done: live messages of these go out. */
  private readonly live = new Set<string>()
  private waiters: (() => void)[] = []
  private overTimer: ReturnType<typeof setTimeout> | undefined
  private cleanup = () => {}

  constructor(
    private readonly deps: WireDeps,
    private readonly entry: SseStream,
    /** Last seq sent per durable channel (from Last-Event-ID at first): what the event ids carry. */
    readonly cursors: Map<string, number>,
    private readonly channels: string[],
  ) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller
    const untap = this.deps.streams.tap((m) => this.onLive(m))
    const beat = setInterval(() => this.enqueue(': keep-alive\n\n'), HEARTBEAT_MS)
    this.cleanup = () => {
      clearTimeout(this.overTimer)
      untap()
      clearInterval(beat)
    }
    this.enqueue(`retry: 2000\n: channels ${this.channels.join(',')}\n\n`)
    this.entry.attach(
      (type, frame) => this.write('', undefined, type, frame),
      () => this.stop(),
    )
  }

  /** The response has taken everything queued (the body's pull): wakes a replay waiting for room. */
  pulled(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.deps.streams.streamClosed(this.entry)
    this.cleanup()
    try {
      this.controller.close()
    } catch {
      // already closed by the client
    }
    this.pulled()
  }

  /** This stream as the target of a replay of `channel`; joining live means its bus messages go out from then on. */
  sink(channel: string): ReplaySink {
    const wire = this
    return {
      get closed() {
        return wire.stopped
      },
      send: (f) => wire.write(channel, f.seq, typeOf(f.frame), f.frame),
      buffered: () => wire.queued(),
      writable: (limit, timeoutMs) =>
        until(
          () => wire.stopped || wire.queued() <= limit,
          timeoutMs,
          (wake) => wire.waiters.push(wake),
        ),
      cutOff: () => wire.stop(),
      joinLive: (seq) => {
        if (seq !== undefined && !wire.cursors.has(channel)) wire.cursors.set(channel, seq)
        wire.live.add(channel)
      },
    }
  }

  /** Bytes not yet taken by the response (highWaterMark 0). */
  private queued(): number {
    return -(this.controller.desiredSize ?? 0)
  }

  private onLive(m: BusMessage): void {
    if (!this.live.has(m.channel)) return
    this.write(m.channel, m.seq, m.type, m.frame)
    const limit = this.deps.backpressureLimit
    const q = this.queued()
    if (q > limit * HARD_LIMIT_FACTOR) this.stop()
    else if (q > limit && !this.overTimer) {
      this.overTimer = setTimeout(() => {
        this.overTimer = undefined
        if (this.queued() > limit) this.stop()
      }, OVER_LIMIT_GRACE_MS)
    }
  }

  /** False when it did not go out: the stream ended, or access to the channel was revoked. */
  private write(channel: string, seq: number | undefined, type: string, frame: string): boolean {
    if (channel && !this.entry.channels.has(channel)) return false
    if (seq !== undefined) this.cursors.set(channel, seq)
    const id = seq === undefined ? '' : `id: ${this.eventId()}\n`
    return this.enqueue(`${id}event: ${type}\ndata: ${frame}\n\n`)
  }

  private enqueue(text: string): boolean {
    if (this.stopped) return false
    try {
      this.controller.enqueue(encoder.encode(text))
      return true
    } catch {
      this.stop()
      return false
    }
  }

  private eventId(): string {
    if (this.channels.length === 1) return String(this.cursors.get(this.channels[0]!) ?? 0)
    return [...this.cursors].map(([c, s]) => `${c}=${s}`).join(';')
  }
}

function typeOf(frame: string): string {
  const m = /^\{"type":"((?:[^"\\]|\\.)*)"/.exec(frame)
  return m ? m[1]! : 'message'
}
