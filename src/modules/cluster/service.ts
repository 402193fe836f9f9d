// One cchub node of a cluster: its Redis connections, lease, execution placement, session routing and RPC.
import { connectRedis } from '../../bus/redis-client.ts'
import type { Clock } from '../../core/clock.ts'
import { iso } from '../../core/iso.ts'
import type { Logger } from '../../core/logger.ts'
import type { Store } from '../../store/store.ts'
import type { ThrottleLimits } from '../auth/throttle.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import { NodeLeases } from './leases.ts'
import { clusterKeys } from './model.ts'
import { RedisPlacement } from './placement.ts'
import { RedisThrottleState } from './redis-throttle.ts'
import { interruptNodeExecutions, type ReaperDeps } from './reaper.ts'
import { SessionRouter } from './router.ts'
import { NodeRpc } from './rpc.ts'

export interface ClusterDeps {
  redisUrl: string
  prefix: string
  nodeId: string
  leaseMs: number
  version: string
  store: Store
  clock: Clock
  logger: Logger
}

export type ClusterNode = Awaited<ReturnType<typeof joinCluster>>

/**
 * Connects and answers RPCs at once (the services register their handlers next); the lease, and with it reaping
 * dead nodes, begins in `start`, once this node's services exist.
 */
export async function joinCluster(deps: ClusterDeps) {
  // reconnects for as long as it takes; meanwhile commands fail at once (503, or a lease tick retried), never queue
  const redis = await connectRedis(deps.redisUrl)
  const subscriber = await redis.duplicate()
  const keys = clusterKeys(deps.prefix)
  const placement = new RedisPlacement(redis, keys, deps.nodeId, deps.logger)
  // a routed call waits up to a lease (a live owner answers well within it), and never less than 5 s
  const rpc = new NodeRpc({
    redis,
    subscriber,
    keys,
    nodeId: deps.nodeId,
    timeoutMs: Math.max(5000, deps.leaseMs),
    logger: deps.logger,
  })
  await rpc.start()
  const router = new SessionRouter({ store: deps.store, placement, rpc, nodeId: deps.nodeId })
  let leases: NodeLeases | undefined
  const started_at = iso(deps.clock.now())!
  return {
    nodeId: deps.nodeId,
    leaseMs: deps.leaseMs,
    placement,
    router,
    /** Live nodes, this one included. */
    nodes: () => leases?.live() ?? Promise.resolve([]),
    /** Ends what this node left unfinished in a previous life, then takes the lease and watches the others'. */
    /** Login failures and trusted addresses counted by every node together. */
    throttleState: (limits: ThrottleLimits) => new RedisThrottleState(redis, deps.prefix, limits),
    async start(services: { controls: ReaperDeps['controls']; log: ChannelLog }, url: string): Promise<void> {
      const reaper = { store: deps.store, log: services.log, placement, controls: services.controls }
      await interruptNodeExecutions(reaper, deps.nodeId, `node ${deps.nodeId} restarted while this execution ran`, true)
      leases = new NodeLeases({
        redis,
        keys,
        info: { id: deps.nodeId, url, started_at, version: deps.version },
        leaseMs: deps.leaseMs,
        clock: deps.clock,
        logger: deps.logger,
        onDead: async (node) => {
          await interruptNodeExecutions(reaper, node, `node ${node} stopped responding (lease expired)`)
        },
      })
      await leases.start()
    },
    /** After the engine has recorded its executions: leaves the cluster at once and closes the connections. */
    async stop(): Promise<void> {
      rpc.stop()
      await leases?.stop().catch((err) => deps.logger.warn('cluster: could not drop the lease', { error: String(err) }))
      subscriber.close()
      redis.close()
    },
  }
}
