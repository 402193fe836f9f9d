// Wires the collaboration parts together and hooks presence into the gateway's session channel joins and leaves.
import type { Config } from '../../config/schema.ts'
import type { Clock } from '../../core/clock.ts'
import type { Logger } from '../../core/logger.ts'
import type { Signals } from '../../core/signals.ts'
import type { SessionRole, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { RunStopper } from '../claude/engine/stop-runs.ts'
import type { SessionAccess } from '../sessions/access.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import { sessionChannel } from '../realtime/channels.ts'
import type { Gateway } from '../realtime/gateway.ts'
import { Cursors } from './cursors.ts'
import { KeyedQueue } from './keyed-queue.ts'
import { CollabService } from './participants.ts'
import { Presence } from './presence.ts'
import type { OtherNodes } from './presence-nodes.ts'
import { defaultTiming, type CollabTiming } from './roles.ts'
import { sessionState } from './session-state.ts'
import { ShareLinks } from './share-links.ts'
import { SharedDocs } from './shared-doc.ts'
import { Typing } from './typing.ts'

export interface CollabDeps {
  store: Store
  log: ChannelLog
  gateway: Gateway
  access: SessionAccess
  signals: Signals
  logger: Logger
  config: Pick<Config, 'wsPingInterval'>
  /** Presence grace, typing expiry and share-link expiry run on it. */
  clock: Clock
  /** Overrides of the defaults in roles.ts. */
  timing?: Partial<CollabTiming>
  /** The other nodes' presence (src/modules/shared-state); absent on a single node. */
  others?: OtherNodes
  /** Stops a removed participant's runs (on every node). */
  runs: Pick<RunStopper, 'stop'>
}

export type Collab = ReturnType<typeof createCollab>

/** Builds the collaboration parts and hooks presence into the gateway's session channel joins and leaves. */
export function createCollab(d: CollabDeps) {
  const timing: CollabTiming = defaultTiming(d.config.wsPingInterval, d.timing)
  const queue = new KeyedQueue()
  const typing = new Typing(d.gateway, timing, d.clock)
  const docs = new SharedDocs({ store: d.store, log: d.log, access: d.access, queue, timing })
  const cursors = new Cursors()
  // `presence` is read when a join happens, after it is assigned below.
  const state = (sessionId: string, user: UserRecord, role: SessionRole) =>
    sessionState({ store: d.store, log: d.log, presence, docs, cursors, timing }, sessionId, user, role)
  const presence: Presence = new Presence({
    store: d.store,
    access: d.access,
    gateway: d.gateway,
    queue,
    timing,
    clock: d.clock,
    logger: d.logger,
    onJoin: async (conn, sessionId, role) => {
      d.gateway.sendTo(
        conn,
        'session_state',
        await state(sessionId, conn.principal!.user, role),
        sessionChannel(sessionId),
      )
    },
    onGone: (sessionId, userId) => {
      typing.forget(sessionId, userId)
      cursors.forget(sessionId, userId)
    },
    others: d.others,
  })
  d.gateway.watch('session', presence.watcher())
  const service = new CollabService({
    store: d.store,
    log: d.log,
    access: d.access,
    signals: d.signals,
    presence,
    runs: d.runs,
  })
  const shareLinks = new ShareLinks({ store: d.store, access: d.access, participants: service, clock: d.clock })
  return { service, presence, typing, docs, cursors, shareLinks, timing, state, access: d.access }
}
