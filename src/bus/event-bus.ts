// The EventBus seam: how channel messages travel from services to every gateway that may hold subscribers.

/** One message on a channel, already serialised once as the exact frame clients receive. */
export interface BusMessage {
  channel: string
  type: string
  /** Sequence number within the channel for durable channels; absent for live-only ones. */
  seq?: number
  /** The JSON envelope `{type, channel, seq?, data, timestamp}` as sent on the wire. */
  frame: string
  /** The node that sent it, on a networked bus (a node drops its own echo); absent on a node's local bus. */
  origin?: string
}

/**
 * Contract (test/bus/contract.ts; MemoryBus and RedisBus pass it):
 * - `publish` delivers the message to every current subscriber, in publish order per publisher; a durable message
 *   is only published after it is in the event log, so a subscriber can always recover a missed one by replay.
 * - Delivery is synchronous with `publish` for the in-memory bus. A networked bus delivers asynchronously, to the
 *   subscribers of every process on it (its own included), and at most once: a message published while the network
 *   is down, or in flight when a connection drops, is lost, never retried or duplicated. `onReconnect` handlers run
 *   after such a break, once delivery works again, so the receiver can recover what it missed from the event log.
 * - Subscribers must not throw; if one does, the others still run. `publish` never throws either.
 * - The bus keeps nothing: durability is the event log's job, not the bus's.
 * - `ping` answers within about a second whether the bus can deliver now (always true in memory); it never hangs.
 */
export interface EventBus {
  readonly kind: 'memory' | 'redis'
  publish(message: BusMessage): void
  subscribe(handler: (message: BusMessage) => void): () => void
  onReconnect(handler: () => void): () => void
  ping(): Promise<boolean>
  close(): Promise<void>
}

/** Runs each handler with `arg`; one that throws does not stop the others (the contract's isolation rule). */
export function runEach<T>(handlers: Iterable<(arg: T) => void>, arg: T): void {
  for (const h of handlers) {
    try {
      h(arg)
    } catch {
      // one broken subscriber must not starve the others (contract)
    }
  }
}
