// Cluster wiring: membership, shared state and the links to the other nodes, built only with CCHUB_REDIS_URL.
import type { AppDeps } from '../app.ts'
import { relaySignals } from '../bus/signal-relay.ts'
import type { Clock } from '../core/clock.ts'
import type { Signals } from '../core/signals.ts'
import type { AuthService } from '../modules/auth/service.ts'
import { joinCluster, type ClusterNode } from '../modules/cluster/service.ts'
import type { EventBus } from '../bus/event-bus.ts'
import { linkNodes } from '../modules/realtime/cluster-link.ts'
import type { ChannelLog } from '../modules/realtime/channel-log.ts'
import type { Realtime } from '../modules/realtime/service.ts'
import { openSharedState, type SharedState } from '../modules/shared-state/service.ts'

/** Presence, connection counts and login limits shared through Redis with the other nodes; null on a single node. */
export async function openSharedStateIf(deps: AppDeps, nodeId: string, clock: Clock): Promise<SharedState | null> {
  const c = deps.config
  if (!deps.cluster || !c.redisUrl) return null
  return openSharedState({
    redisUrl: c.redisUrl,
    prefix: c.redisPrefix,
    nodeId,
    leaseMs: c.nodeLeaseMs,
    control: deps.cluster.control,
    clock,
    logger: deps.logger,
  })
}

/** With CCHUB_REDIS_URL this server is one node of a cluster (docs/scale-out.md); without, none of it is built. */
export async function joinClusterIf(
  deps: AppDeps,
  nodeId: string,
  clock: Clock,
  version: string,
): Promise<ClusterNode | null> {
  const c = deps.config
  if (!deps.cluster || !c.redisUrl) return null
  return joinCluster({
    redisUrl: c.redisUrl,
    prefix: c.redisPrefix,
    nodeId,
    leaseMs: c.nodeLeaseMs,
    version,
    killGraceMs: c.claudeKillGrace * 1000,
    store: deps.store,
    clock,
    logger: deps.logger,
  })
}

export interface NodeLinks {
  nodeId: string
  log: ChannelLog
  bus: EventBus
  gateway: Realtime['gateway']
  signals: Signals
  auth: AuthService
}

/** Events, signals and revocations flow between the nodes; a single node has nothing to link. */
export function linkClusterIf(deps: AppDeps, l: NodeLinks): void {
  const cluster = deps.cluster
  if (!cluster) return
  const network = { bus: cluster.bus, nodeId: l.nodeId }
  linkNodes({ network, log: l.log, local: l.bus, liveChannels: () => l.gateway.liveChannels() })
  relaySignals(l.signals, cluster.control, l.nodeId)
  cluster.control.onReconnect(() => void l.auth.catchUpRevocations().catch(() => {}))
}
