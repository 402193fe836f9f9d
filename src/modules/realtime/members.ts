// Who receives a channel live: sockets of cchub's protocol through Bun's topics, dialect sockets one by one.
import type { Connection } from './connection.ts'

export class ChannelMembers {
  /** Every subscribed connection per channel, to find the backed-up ones when a publish meets backpressure. */
  private readonly all = new Map<string, Set<Connection>>()
  /** Dialect connections per channel: each frame is translated for each of them, so Bun's topic cannot carry it. */
  private readonly translated = new Map<string, Set<Connection>>()

  /** Starts live delivery to `conn` (called in the replay's hand-over tick, before `add`). */
  joinLive(conn: Connection, channel: string): void {
    if (conn.dialect) setOf(this.translated, channel).add(conn)
    else conn.ws.subscribe(channel)
  }

  add(conn: Connection, channel: string): void {
    setOf(this.all, channel).add(conn)
  }

  leave(conn: Connection, channel: string): void {
    if (!conn.closed) conn.ws.unsubscribe(channel)
    drop(this.translated, channel, conn)
    drop(this.all, channel, conn)
  }

  of(channel: string): Iterable<Connection> {
    return this.all.get(channel) ?? []
  }

  /** Sends a frame of cchub's protocol to the channel's dialect connections (but `except`); how many took it. */
  sendTranslated(channel: string, frame: string, except?: Connection): number {
    const set = this.translated.get(channel)
    if (!set) return 0
    const envelope = JSON.parse(frame)
    let n = 0
    for (const c of set) if (c !== except && c.sendParsed(envelope)) n++
    return n
  }
}

function setOf(map: Map<string, Set<Connection>>, key: string): Set<Connection> {
  let set = map.get(key)
  if (!set) map.set(key, (set = new Set()))
  return set
}

function drop(map: Map<string, Set<Connection>>, key: string, conn: Connection): void {
  const set = map.get(key)
  if (set?.delete(conn) && !set.size) map.delete(key)
}
