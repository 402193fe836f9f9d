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
import { NodeRpc, redisDown } from './rpc.ts'
import { ClusterRunStopper } from './stop-runs.ts'
import type { RunStopper } from '../claude/engine/stop-runs.ts'

export interface ClusterDeps {
  redisUrl: string
  prefix: string
  nodeId: string
  leaseMs: number
  version: string
  /** CCHUB_CLAUDE_KILL_GRACE in ms: how long another node may take to stop its CLI processes. */
  killGraceMs: number
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
  let reaper: ReaperDeps | undefined
  let started = false
  const leases = new NodeLeases({
    redis,
    keys,
    info: { id: deps.nodeId, url: '', started_at: iso(deps.clock.now())!, version: deps.version },
    leaseMs: deps.leaseMs,
    clock: deps.clock,
    logger: deps.logger,
    onDead: async (node) => {
      if (!reaper) throw new Error('this node has not started yet')
      await interruptNodeExecutions(reaper, node, `node ${node} stopped responding (lease expired)`)
    },
  })
  const router = new SessionRouter({
    store: deps.store,
    placement,
    rpc,
    nodeId: deps.nodeId,
    known: () => leases.known(),
    // before its start this node reaps nobody: the request is told to retry
    reap: (node) => (started ? leases.reap(node) : Promise.resolve('busy')),
  })
  const others = async () => {
    const live = await leases.live().catch(() => Promise.reject(redisDown()))
    return live.map((n) => n.id).filter((id) => id !== deps.nodeId)
  }
  return {
    nodeId: deps.nodeId,
    leaseMs: deps.leaseMs,
    placement,
    router,
    /** Live nodes, this one included. */
    nodes: () => (started ? leases.live() : Promise.resolve([])),
    /** Login failures and trusted addresses counted by every node together. */
    throttleState: (limits: ThrottleLimits) => new RedisThrottleState(redis, deps.prefix, limits),
    /** Stops runs on every live node (a deleted workspace or user, a disabled user, a removed participant). */
    runStopper: (engine: ConstructorParameters<typeof RunStopper>[0]) =>
      new ClusterRunStopper(engine, {
        router,
        others,
        timeoutMs: Math.max(5000, deps.leaseMs) + 2 * deps.killGraceMs,
      }),
    /** Ends what this node left unfinished in a previous life, then takes the lease and watches the others'. */
    async start(services: { controls: ReaperDeps['controls']; log: ChannelLog }, url: string): Promise<void> {
      const own = { store: deps.store, log: services.log, placement, controls: services.controls }
      await interruptNodeExecutions(own, deps.nodeId, `node ${deps.nodeId} restarted while this execution ran`, true)
      reaper = own
      leases.advertise(url)
      await leases.start()
      started = true
    },
    /** After the engine has recorded its executions: leaves the cluster at once and closes the connections. */
    async stop(): Promise<void> {
      rpc.stop()
      if (started)
        await leases
          .stop()
          .catch((err) => deps.logger.warn('cluster: could not drop the lease', { error: String(err) }))
      subscriber.close()
      redis.close()
    },
  }
}
