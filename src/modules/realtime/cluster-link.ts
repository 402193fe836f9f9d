// Joins this node's realtime hub to the other nodes over a networked bus: their messages in, catch-up after a break.
import type { EventBus } from '../../bus/event-bus.ts'
import type { ChannelLog, Network } from './channel-log.ts'

export interface ClusterLinkDeps {
  network: Network
  log: ChannelLog
  /** The node's own bus, which the gateway delivers from. */
  local: EventBus
  /** Channels with subscribers on this node (the gateway's). */
  liveChannels: () => Iterable<string>
}

/**
 * Durable messages of other nodes go through the channel log, which publishes them in seq order and fills gaps from
 * the store; live-only ones (typing, cursors, broadcast) go straight to the local bus, at most once. This node's own
 * messages come back from the network too and are dropped. Returns the unsubscriber.
 */
export function linkNodes(d: ClusterLinkDeps): () => void {
  const { bus, nodeId } = d.network
  const offs = [
    bus.subscribe((m) => {
      if (m.origin === nodeId) return
      if (m.seq === undefined) d.local.publish(m)
      else d.log.acceptRemote(m)
    }),
    // messages sent while the link was down are gone from the network but not from the store
    bus.onReconnect(() => d.log.resync(d.liveChannels())),
  ]
  return () => {
    for (const off of offs) off()
  }
}
