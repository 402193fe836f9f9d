// Live-only frames to everyone joined to a session, for senders that may have no socket of their own any more.
import { sessionChannel } from '../realtime/channels.ts'
import type { Gateway } from '../realtime/gateway.ts'

/**
 * Sends a seq-less frame to every socket subscribed to session:<id>. Unlike gateway.relayToOthers it needs no sender
 * socket, so it works for timers (typing expiry, presence grace) that fire after the sender is gone.
 */
export function sendToSession(gateway: Gateway, sessionId: string, type: string, data: unknown): number {
  const channel = sessionChannel(sessionId)
  let n = 0
  for (const conn of gateway.connections.values()) {
    if (conn.channels.has(channel) && gateway.sendTo(conn, type, data, channel)) n++
  }
  return n
}
