// Realtime wiring: the local bus, the channel log, channel access and the WebSocket gateway, linked to other nodes.
import type { AppDeps } from '../app.ts'
import { MemoryBus } from '../bus/memory-bus.ts'
import type { Clock } from '../core/clock.ts'
import type { Signals } from '../core/signals.ts'
import type { AuthService } from '../modules/auth/service.ts'
import { ChannelLog } from '../modules/realtime/channel-log.ts'
import { ChannelAccess } from '../modules/realtime/channels.ts'
import { createRealtime } from '../modules/realtime/service.ts'
import type { SharedState } from '../modules/shared-state/service.ts'
import { linkClusterIf } from './cluster.ts'

export interface RealtimeWiring {
  clock: Clock
  nodeId: string
  signals: Signals
  auth: AuthService
  shared: SharedState | null
}

export function buildRealtime(deps: AppDeps, w: RealtimeWiring) {
  const { clock, nodeId, signals, auth } = w
  const bus = new MemoryBus()
  const outages = { clock, bufferMaxBytes: deps.config.eventBufferMaxBytes }
  const network = deps.cluster && { bus: deps.cluster.bus, nodeId }
  const log = new ChannelLog(deps.store, bus, deps.logger, outages, network)
  const access = new ChannelAccess()
  const realtime = createRealtime({
    config: deps.config,
    auth,
    log,
    access,
    bus,
    signals,
    logger: deps.logger,
    clock,
    elsewhere: w.shared?.connections,
  })
  linkClusterIf(deps, { nodeId, log, bus, gateway: realtime.gateway, signals, auth })
  return { bus, log, access, realtime, gateway: realtime.gateway, dispatcher: realtime.dispatcher }
}
