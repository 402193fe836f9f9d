// Fan-out of frames to a channel's subscribers: Bun's topics, dialect sockets one by one, taps, and backpressure.
import type { Server } from 'bun'
import type { BusMessage } from '../../bus/event-bus.ts'
import type { ChannelLog } from './channel-log.ts'
import type { Connection } from './connection.ts'
import { message } from './envelope.ts'
import type { ChannelMembers } from './members.ts'
import type { GatewayStats } from './stats.ts'

export class FanOut {
  /** Set once the HTTP server listens; nothing reaches a socket before. */
  server: Server<unknown> | null = null
  constructor(
    private readonly members: ChannelMembers,
    private readonly stats: GatewayStats,
    private readonly log: Pick<ChannelLog, 'shareLive'>,
    private readonly backpressureLimit: number,
    /** Non-socket listeners (SSE streams) that receive every bus message. */
    private readonly taps: ReadonlySet<(m: BusMessage) => void>,
  ) {}

  /** One bus message to every subscriber here: sockets, dialect sockets and taps. */
  deliver(m: BusMessage): void {
    this.stats.published++
    if (this.server) {
      const n = this.server.subscriberCount(m.channel)
      if (n > 0) {
        // Bun answers -1 when any subscriber had to buffer (0: dropped) but not which one, so only then look:
        // a socket that closes with frames still buffered is counted as a backpressure close. (Scanning every member
        // on every publish cost as much CPU as the fan-out itself: see docs/benchmarks.md.)
        const sent = this.server.publish(m.channel, m.frame)
        if (sent <= 0) this.markCongested(m.channel, sent)
        this.stats.delivered += n
      }
      this.stats.delivered += this.members.sendTranslated(m.channel, m.frame)
    }
    for (const t of this.taps) t(m)
  }

  /** Live-only frame to every subscriber of `channel` except the sender's socket (typing, cursors). */
  relayToOthers(conn: Connection, channel: string, type: string, data: unknown): void {
    const frame = message(type, data, { channel })
    const n = this.server?.subscriberCount(channel) ?? 0
    const own = conn.dialect ? 0 : 1
    // a dialect socket is not on the topic, so it publishes through the server (ws.publish would skip only itself)
    if (n > own && (own ? conn.ws.publish(channel, frame) : this.server!.publish(channel, frame)) > 0)
      this.stats.delivered += n - own
    this.stats.delivered += this.members.sendTranslated(channel, frame, conn)
    this.log.shareLive({ channel, type, frame })
  }

  private markCongested(channel: string, sent: number): void {
    for (const c of this.members.of(channel)) {
      const buffered = c.ws.getBufferedAmount()
      if (buffered > 0) c.congested = true
      // 0: Bun dropped the frame for a socket already past the limit and only defers its close; cut that socket
      // now, so no later frame can reach it after the gap (the client resumes by replay from what it received)
      if (sent === 0 && buffered > this.backpressureLimit) c.cutOff()
    }
  }
}
