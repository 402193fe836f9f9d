// The EventBus seam: how channel messages travel from services to every gateway that may hold subscribers.

/** One message on a channel, already serialised once as the exact frame clients receive. */
export interface BusMessage {
  channel: string
  type: string
  /** Sequence number within the channel for durable channels; absent for live-only ones. */
  seq?: number
  /** The JSON envelope `{type, channel, seq?, data, timestamp}` as sent on the wire. */
  frame: string
}

/**
 * Contract (in-memory now; a networked bus such as Redis may follow):
 * - `publish` delivers the message to every current subscriber, in publish order per channel; a durable message
 *   is only published after it is in the event log, so a subscriber can always recover a missed one by replay.
 * - Delivery to a subscriber is synchronous with `publish` for the in-memory bus; a networked bus delivers
 *   asynchronously but still in order per channel. Subscribers must not throw; if one does, the others still run.
 * - The bus keeps nothing: durability is the event log's job, not the bus's.
 */
export interface EventBus {
  publish(message: BusMessage): void
  subscribe(handler: (message: BusMessage) => void): () => void
  close(): Promise<void>
}
