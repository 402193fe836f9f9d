// Cluster-wide user-facing state on Redis (presence, connection counts, login limits): one connection, one heartbeat.
import { connectRedis } from '../../bus/redis-client.ts'
import type { EventBus } from '../../bus/event-bus.ts'
import type { Clock } from '../../core/clock.ts'
import type { Logger } from '../../core/logger.ts'
import { SharedConnections } from './connections.ts'
import { sharedKeys } from './model.ts'
import { SharedPresence } from './presence.ts'

export interface SharedStateDeps {
  redisUrl: string
  prefix: string
  nodeId: string
  /** CCHUB_NODE_LEASE_MS: this node's entries live that long unless refreshed, and are refreshed every third. */
  leaseMs: number
  /** The control channel (presence changes travel there, like revocations). */
  control: EventBus
  clock: Clock
  logger: Logger
}

export type SharedState = Awaited<ReturnType<typeof openSharedState>>

/**
 * Only built with CCHUB_REDIS_URL: a single node keeps everything in memory. A node's entries expire with it; the
 * other nodes forget a node whose cluster lease is gone (docs/scale-out.md).
 */
export async function openSharedState(d: SharedStateDeps) {
  const redis = await connectRedis(d.redisUrl)
  const keys = sharedKeys(d.prefix)
  // a previous life of this node id left counts nobody decrements
  await redis.send('DEL', [keys.presence(d.nodeId), keys.connections(d.nodeId)])
  const base = { redis, keys, nodeId: d.nodeId, leaseMs: d.leaseMs, logger: d.logger }
  const presence = new SharedPresence({ ...base, control: d.control })
  const connections = new SharedConnections(base)
  await presence.start()
  const tick = async () => {
    try {
      await connections.refresh()
      await presence.refresh()
    } catch (err) {
      d.logger.warn('shared state refresh failed (retried on the next one)', { error: String(err) })
    }
  }
  const stopTimer = d.clock.every(Math.max(1, Math.floor(d.leaseMs / 3)), () => void tick())
  return {
    presence,
    connections,
    /** Leaves at once: this node's entries are deleted instead of left to expire. */
    async close(): Promise<void> {
      stopTimer()
      presence.stop()
      await redis.send('DEL', [keys.presence(d.nodeId), keys.connections(d.nodeId)]).catch(() => {})
      redis.close()
    },
  }
}
