// Builds the realtime hub from its dependencies: one replayer for /ws and SSE, gateway, dispatcher, SSE, metrics.
import type { EventBus } from '../../bus/event-bus.ts'
import type { Config } from '../../config/schema.ts'
import type { Clock } from '../../core/clock.ts'
import type { Logger } from '../../core/logger.ts'
import type { Signals } from '../../core/signals.ts'
import { Slots } from '../../core/slots.ts'
import type { AuthService } from '../auth/service.ts'
import type { ChannelLog } from './channel-log.ts'
import type { ChannelAccess } from './channels.ts'
import { registerCoreHandlers } from './core-handlers.ts'
import { Dialects } from './dialect.ts'
import { DialectRouter } from './dialect-router.ts'
import { Dispatcher } from './dispatcher.ts'
import { Gateway, type GatewayConfig, type GatewayDeps } from './gateway.ts'
import type { MetricsSources } from './metrics.ts'
import { Replayer } from './replay.ts'
import { SseStreams } from './sse.ts'

export interface RealtimeDeps {
  config: GatewayConfig & Pick<Config, 'wsReplayConcurrency' | 'wsReplayStallTimeout'>
  auth: AuthService
  log: ChannelLog
  access: ChannelAccess
  bus: EventBus
  signals: Signals
  logger: Logger
  clock: Clock
  elsewhere?: GatewayDeps['elsewhere']
}

export type Realtime = ReturnType<typeof createRealtime>

export function createRealtime(d: RealtimeDeps) {
  const { config, auth, log, access, logger, clock } = d
  const slots = new Slots(config.wsReplayConcurrency)
  const replayer = new Replayer(log, slots, {
    backpressureLimit: config.wsBackpressureLimit,
    stallMs: config.wsReplayStallTimeout * 1000,
  })
  const gateway = new Gateway({ ...d, replayer })
  const dispatcher = registerCoreHandlers(
    new Dispatcher({ gateway, auth, stats: gateway.stats, logger, clock, rateBurst: config.wsRateBurst }),
  )
  const sse = new SseStreams({
    auth,
    access,
    replayer,
    streams: gateway,
    backpressureLimit: config.wsBackpressureLimit,
    logger,
  })
  const metrics: MetricsSources = { connections: gateway.connections, stats: gateway.stats, replaySlots: slots, log }
  // the seeds' wire formats register here once their services exist (app.ts); none: every socket speaks cchub's
  const router = new DialectRouter(new Dialects(), dispatcher)
  return { gateway, dispatcher, router, dialects: router.dialects, sse, metrics }
}
