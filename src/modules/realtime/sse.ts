// Server-Sent Events: the same channels and replay guarantees as /ws, for clients that cannot use WebSocket.
import type { BusMessage } from '../../bus/event-bus.ts'
import { AppError } from '../../core/errors.ts'
import type { Principal } from '../auth/service.ts'
import { isDurable, parseChannel } from './channels.ts'
import type { Gateway } from './gateway.ts'
import { REPLAY_WINDOW } from './replay.ts'

const encoder = new TextEncoder()
const HEARTBEAT_MS = 15_000
const OVER_LIMIT_GRACE_MS = 500
const HARD_LIMIT_FACTOR = 16

/** `12` for one channel, `session:a=12;task:b=3` for several: whatever the client echoes as Last-Event-ID. */
function parseLastEventId(header: string | null, channels: string[]): Map<string, number> {
  const out = new Map<string, number>()
  if (!header) return out
  if (channels.length === 1 && /^\d+$/.test(header)) out.set(channels[0]!, Number(header))
  for (const part of header.split(';')) {
    const i = part.lastIndexOf('=')
    const seq = Number(part.slice(i + 1))
    if (i > 0 && Number.isSafeInteger(seq) && seq >= 0 && channels.includes(part.slice(0, i))) out.set(part.slice(0, i), seq)
  }
  return out
}

export async function sseStream(gw: Gateway, principal: Principal, channelParam: string | string[], request: Request): Promise<Response> {
  const channels = [...new Set(Array.isArray(channelParam) ? channelParam : [channelParam])]
  if (channels.length > 20) throw new AppError('VALIDATION_FAILED', 422, 'At most 20 channels per stream')
  // Registered before the access checks, so a revocation from here on reaches it; the user is re-read, so one that
  // came between authenticating this request and registering it is not missed either.
  const entry = gw.openStream(principal, channels)
  try {
    const user = await gw.auth.current(principal)
    for (const name of channels) await gw.access.assertRead(user, parseChannel(name))
  } catch (err) {
    gw.streamClosed(entry)
    throw err
  }
  const cursors = parseLastEventId(request.headers.get('last-event-id'), channels)
  const live = new Set<string>()
  const single = channels.length === 1
  // Like a WebSocket, a reader that leaves more than wsBackpressureLimit bytes waiting is cut off (it resumes from
  // Last-Event-ID), so one stuck client cannot grow the server's memory. Unlike a socket there is no kernel buffer
  // in front of this queue, so a burst may pass the limit for a moment: the reader gets OVER_LIMIT_GRACE_MS to
  // bring it back down, and is cut at once beyond HARD_LIMIT_FACTOR times the limit. Replays wait for it to drain.
  const limit = gw.config.wsBackpressureLimit
  let stopped = false
  let overTimer: ReturnType<typeof setTimeout> | undefined
  let stop = () => {}
  let release: (() => void) | undefined // the replay slot, once reading the store

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const queued = () => -(controller.desiredSize ?? 0) // bytes not yet taken by the response (highWaterMark 0)
      const window = Math.min(REPLAY_WINDOW, limit / 2) // what a replay may leave queued, as on /ws
      const room = async () => {
        const deadline = Date.now() + gw.config.wsReplayStallTimeout * 1000
        while (!stopped && queued() > window / 2) {
          if (release && Date.now() > deadline) return stop() // a stalled reader must not keep its replay slot
          await Bun.sleep(5)
        }
      }
      const eventId = () => (single ? String(cursors.get(channels[0]!) ?? 0) : [...cursors].map(([c, s]) => `${c}=${s}`).join(';'))
      const write = (channel: string, seq: number | undefined, type: string, frame: string) => {
        if (channel && !entry.channels.has(channel)) return // access to it was revoked
        if (seq !== undefined) cursors.set(channel, seq)
        const id = seq === undefined ? '' : `id: ${eventId()}\n`
        try {
          controller.enqueue(encoder.encode(`${id}event: ${type}\ndata: ${frame}\n\n`))
        } catch {
          stop()
        }
      }
      const untap = gw.tap((m: BusMessage) => {
        if (!live.has(m.channel)) return
        write(m.channel, m.seq, m.type, m.frame)
        const q = queued()
        if (q > limit * HARD_LIMIT_FACTOR) stop()
        else if (q > limit && !overTimer) {
          overTimer = setTimeout(() => {
            overTimer = undefined
            if (queued() > limit) stop()
          }, OVER_LIMIT_GRACE_MS)
        }
      })
      const beat = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(': keep-alive\n\n'))
        } catch {
          stop()
        }
      }, HEARTBEAT_MS)
      stop = () => {
        stopped = true
        gw.streamClosed(entry)
        clearTimeout(overTimer)
        untap()
        clearInterval(beat)
        try {
          controller.close()
        } catch {
          // already closed by the client
        }
      }
      request.signal.addEventListener('abort', () => stop())
      controller.enqueue(encoder.encode(`retry: 2000\n: channels ${channels.join(',')}\n\n`))
      entry.attach((type, frame) => write('', undefined, type, frame), stop)
      try {
        for (const channel of channels) {
          const since = cursors.get(channel)
          if (!isDurable(channel) || since === undefined) {
            if (isDurable(channel)) cursors.set(channel, await gw.log.head(channel))
            live.add(channel)
            continue
          }
          let cursor = Math.min(since, await gw.log.head(channel))
          for (;;) {
            await room()
            if (stopped) return
            const tail = gw.log.recentSync(channel, cursor)
            if (tail) {
              // what fits goes now; going live happens in the same synchronous block as the last frame of the replay
              let i = 0
              while (i < tail.length && queued() <= window) {
                const f = tail[i++]!
                write(channel, f.seq, typeOf(f.frame), f.frame)
              }
              if (i === tail.length) {
                live.add(channel)
                break
              }
              cursor = tail[i - 1]!.seq
              continue
            }
            release ??= await gw.replaySlots.acquire(principal.user.id)
            if (stopped) return
            const page = await gw.log.readPublished(channel, cursor, 500)
            if (!page.length) {
              cursor = Math.max(cursor, ((await gw.log.oldestSeq(channel)) ?? gw.log.publishedHead(channel) + 1) - 1)
              continue
            }
            for (const f of page) {
              if (queued() > window) await room()
              if (stopped) return
              write(channel, f.seq, typeOf(f.frame), f.frame)
              cursor = f.seq
            }
          }
        }
      } finally {
        release?.() // also when reading the store failed: a lost slot would shrink every later replay's share
      }
    },
    cancel() {
      stop()
    },
  }, { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 })
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
  })
}

function typeOf(frame: string): string {
  const m = /^\{"type":"((?:[^"\\]|\\.)*)"/.exec(frame)
  return m ? m[1]! : 'message'
}
