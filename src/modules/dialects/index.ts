// Registers the seeds' wire formats (docs/protocol.md, "Dialects: the seeds' wire formats") with the realtime hub.
import type { Config } from '../../config/schema.ts'
import type { Clock } from '../../core/clock.ts'
import type { Realtime } from '../realtime/service.ts'
import type { SessionAccess } from '../sessions/access.ts'
import type { WorkspaceService } from '../workspaces/service.ts'
import { seed000Dialect } from './seed-000.ts'
import { seed001Dialect } from './seed-001/index.ts'
import { seed002 } from './seed-002.ts'
import { seed003Dialect } from './seed-003/index.ts'
import { seed004 } from './seed-004/index.ts'

/** The services the dialects are built from (app.ts createServices passes all of its own). */
export interface DialectServices {
  realtime: Realtime
  workspaces: WorkspaceService
  sessionAccess: SessionAccess
  config: Config
  clock: Clock
}

export function registerDialects(s: DialectServices): void {
  s.realtime.dialects.use(seed003Dialect({ clock: s.clock, config: s.config }))
  s.realtime.dialects.use(seed000Dialect())
  s.realtime.dialects.use(
    seed001Dialect({
      workspaces: s.workspaces,
      access: s.sessionAccess,
      // the seed's limiter allows a burst as large as its rate
      rate: { perSecond: s.config.wsRateLimit, burst: Math.max(1, Math.round(s.config.wsRateLimit)) },
      now: () => s.clock.now(),
    }),
  )
  s.realtime.dialects.use(seed002)
  s.realtime.dialects.use(seed004)
}
