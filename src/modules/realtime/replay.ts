// Subscribe with `since`: replay from the store, then join the live topic in the same tick, so no gap and no duplicate.
import type { Connection } from './connection.ts'
import type { Gateway } from './gateway.ts'
import { isDurable } from './channels.ts'
import type { Frame } from './recent-ring.ts'

const PAGE = 500
/** Most bytes a replay leaves in a client's send buffer before waiting for it to drain. */
export const REPLAY_WINDOW = 1024 * 1024

export interface SubscribeResult {
  channel: string
  /** Highest seq published when live delivery began; the next live message has seq + 1. */
  seq?: number
  replayed?: number
  /** Present when `since` was older than the oldest kept event: replay started at oldest_seq instead. */
  truncated?: { requested_since: number; oldest_seq: number }
  /** Present when `since` was ahead of the channel (e.g. the server's data was reset): the client should drop its state. */
  reset?: { requested_since: number; head: number }
}

/**
 * Sends every published frame after `since`, then subscribes to the topic. The final page comes from the in-memory
 * ring and is sent in the same synchronous block as `ws.subscribe`: nothing can be published in between, so the
 * client sees each seq exactly once, in order, even while publishers keep going during the replay.
 */
export async function replayThenJoin(gw: Gateway, conn: Connection, channel: string, since?: number): Promise<SubscribeResult> {
  if (!isDurable(channel)) {
    gw.joinTopic(conn, channel)
    return { channel }
  }
  const head = await gw.log.head(channel)
  if (since === undefined) {
    gw.joinTopic(conn, channel)
    return { channel, seq: gw.log.publishedHead(channel), replayed: 0 }
  }
  const result: SubscribeResult = { channel, replayed: 0 }
  let cursor = since
  if (since > head) {
    result.reset = { requested_since: since, head }
    cursor = head
  }
  const oldest = await gw.log.oldestSeq(channel)
  if (cursor < head && (oldest === null || oldest > cursor + 1)) {
    const first = oldest ?? head + 1
    result.truncated = { requested_since: since, oldest_seq: first }
    cursor = first - 1
  }
  gw.stats.replayRequests++
  let release: (() => void) | undefined
  try {
    return await replayLoop(gw, conn, channel, since, cursor, result, async () => {
      release ??= await gw.replaySlots.acquire(conn.userId ?? '')
    })
  } finally {
    release?.()
  }
}

/**
 * Frames go out only while the socket's send buffer stays under a window (at most 1 MiB, half the backpressure
 * limit), so a replay larger than the limit waits for the client to drain instead of tripping Bun's close-on-limit,
 * and a wave of replays holds at most slots x window in send buffers. Whatever does not go out in the first
 * synchronous pass over the ring waits for a replay slot (`slot`) before reading the store or waiting for a drain.
 */
async function replayLoop(
  gw: Gateway, conn: Connection, channel: string, since: number, cursor: number, result: SubscribeResult, slot: () => Promise<void>,
): Promise<SubscribeResult> {
  const room = Math.min(REPLAY_WINDOW, gw.config.wsBackpressureLimit / 2)
  const drain = async () => {
    await slot()
    // A client that stops reading mid-replay would hold its slot for ever: after the stall timeout it is cut off like
    // any slow consumer (it would not read a close frame either), and resumes with `since` once it reconnects.
    if (!(await conn.writable(room / 2, gw.config.wsReplayStallTimeout * 1000))) conn.cutOff()
  }
  for (let empty = 0; ; ) {
    if (conn.closed) return result
    const tail = gw.log.recentSync(channel, cursor)
    if (tail) {
      const sent = sendWhileRoom(conn, tail, room)
      if (sent < 0) return result
      result.replayed! += sent
      gw.stats.replayedEvents += sent
      if (sent === tail.length) {
        // the whole rest went out in this synchronous block: join now, before anything else can be published
        gw.joinTopic(conn, channel)
        result.seq = tail.at(-1)?.seq ?? cursor
        return result
      }
      cursor = tail[sent - 1]!.seq
      await drain()
      continue
    }
    await slot()
    if (conn.closed) return result
    const page = await gw.log.readPublished(channel, cursor, PAGE)
    if (!page.length) {
      // only when retention pruned the rows we were about to read: skip to what is still kept
      if (++empty > 3) throw new Error(`replay of ${channel} made no progress after seq ${cursor}`)
      const kept = await gw.log.oldestSeq(channel)
      const next = (kept ?? gw.log.publishedHead(channel) + 1) - 1
      if (next > cursor) {
        result.truncated = { requested_since: since, oldest_seq: next + 1 }
        cursor = next
      }
      continue
    }
    for (let i = 0; i < page.length; ) {
      const sent = sendWhileRoom(conn, page, room, i)
      if (sent < 0) return result
      i += sent
      cursor = page[i - 1]!.seq
      result.replayed! += sent
      gw.stats.replayedEvents += sent
      await drain()
    }
  }
}

/**
 * Sends frames in order until one leaves more than `room` bytes buffered (that one is sent); returns how many went
 * (at least one), or -1 when the socket is gone or dropped a frame (it is being closed; the client replays again).
 */
function sendWhileRoom(conn: Connection, frames: Frame[], room: number, from = 0): number {
  let n = 0
  for (let i = from; i < frames.length; i++) {
    if (!conn.send(frames[i]!.frame)) return -1
    n++
    if (conn.ws.getBufferedAmount() > room) break
  }
  return n
}
