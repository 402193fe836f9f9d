// Server-Sent Events: the same channels and replay guarantees as /ws, for clients that cannot use WebSocket.
import type { BusMessage } from '../../bus/event-bus.ts'
import { AppError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { AuthService, Principal } from '../auth/service.ts'
import { parseChannel, type ChannelAccess } from './channels.ts'
import type { Replayer } from './replay.ts'
import type { SseStream } from './sse-stream.ts'
import { SseWire } from './sse-wire.ts'

export interface SseDeps {
  auth: Pick<AuthService, 'current'>
  access: ChannelAccess
  replayer: Replayer
  /** The gateway: registers the stream under the connection caps and revocations, and feeds it every bus message. */
  streams: {
    checkUser(userId: string): Promise<void>
    openStream(principal: Principal, channels: string[]): SseStream
    streamClosed(stream: SseStream): void
    tap(listener: (m: BusMessage) => void): () => void
  }
  /** CCHUB_WS_BACKPRESSURE_LIMIT: what a reader may leave unread before it is cut off. */
  backpressureLimit: number
  logger: Logger
}

/** `12` for one channel, `session:a=12;task:b=3` for several: whatever the client echoes as Last-Event-ID. */
function parseLastEventId(header: string | null, channels: string[]): Map<string, number> {
  const out = new Map<string, number>()
  if (!header) return out
  if (channels.length === 1 && /^\d+$/.test(header)) out.set(channels[0]!, Number(header))
  for (const part of header.split(';')) {
    const i = part.lastIndexOf('=')
    const seq = Number(part.slice(i + 1))
    if (i > 0 && Number.isSafeInteger(seq) && seq >= 0 && channels.includes(part.slice(0, i)))
      out.set(part.slice(0, i), seq)
  }
  return out
}

export class SseStreams {
  constructor(private readonly deps: SseDeps) {}

  async open(principal: Principal, channelParam: string | string[], request: Request): Promise<Response> {
    const channels = [...new Set(Array.isArray(channelParam) ? channelParam : [channelParam])]
    if (channels.length > 20) throw new AppError('VALIDATION_FAILED', 422, 'At most 20 channels per stream')
    const { streams } = this.deps
    // Registered before the access checks, so a revocation from here on reaches it; the user is re-read, so one that
    // came between authenticating this request and registering it is not missed either.
    await streams.checkUser(principal.user.id)
    const entry = streams.openStream(principal, channels)
    try {
      const user = await this.deps.auth.current(principal)
      for (const name of channels) await this.deps.access.assertRead(user, parseChannel(name))
    } catch (err) {
      streams.streamClosed(entry)
      throw err
    }
    const wire = new SseWire(
      this.deps,
      entry,
      parseLastEventId(request.headers.get('last-event-id'), channels),
      channels,
    )
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          wire.start(controller)
          request.signal.addEventListener('abort', () => wire.stop())
          void this.replayAll(wire, principal, channels)
        },
        pull: () => wire.pulled(),
        cancel: () => wire.stop(),
      },
      { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 },
    )
    return new Response(body, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      },
    })
  }

  /** Replays each channel from its Last-Event-ID cursor (or joins it live at its head), one after another. */
  private async replayAll(wire: SseWire, principal: Principal, channels: string[]): Promise<void> {
    try {
      for (const channel of channels) {
        if (wire.stopped) return
        await this.deps.replayer.replayThenJoin(
          wire.sink(channel),
          channel,
          wire.cursors.get(channel),
          principal.user.id,
        )
      }
    } catch (err) {
      this.deps.logger.error('sse replay failed', { error: String(err) })
      wire.stop() // the client resumes from its Last-Event-ID
    }
  }
}
