// The session_state frame a socket gets on join: who is here, status, current execution, history, files, document.
import type { SessionRole, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import { sessionChannel } from '../realtime/channels.ts'
import { toPublicSession } from '../sessions/views.ts'
import { toPermissionView } from '../permissions/views.ts'
import type { Presence } from './presence.ts'
import type { CollabTiming } from './roles.ts'
import type { Cursors } from './cursors.ts'
import type { SharedDocs } from './shared-doc.ts'
import { iso } from '../../core/iso.ts'
import { toPublicFile } from '../files/views.ts'

const FILES = 200

/** Same shape as the files module's FileView (GET /api/v1/files), so clients handle one file object. */

export interface StateDeps {
  store: Store
  log: ChannelLog
  presence: Presence
  docs: SharedDocs
  cursors: Cursors
  timing: CollabTiming
}

/**
 * `seq` is the channel head when the state was taken and `history` ends exactly there. Live frames with a seq at or
 * below it (published between the subscribe and this frame) are already in `history`: clients skip them by seq.
 */
export async function sessionState(d: StateDeps, sessionId: string, user: UserRecord, role: SessionRole) {
  const channel = sessionChannel(sessionId)
  const seq = await d.log.head(channel)
  const [session, rows, running, waiting, queued, files, document, pending] = await Promise.all([
    d.store.sessions.byId(sessionId),
    seq > 0 ? d.store.events.readBefore(channel, seq + 1, d.timing.historyLimit) : Promise.resolve([]),
    d.store.executions.list({ sessionId, status: 'running', visibleTo: null, limit: 1, offset: 0 }),
    d.store.executions.list({ sessionId, status: 'waiting_for_permission', visibleTo: null, limit: 1, offset: 0 }),
    d.store.executions.list({ sessionId, status: 'queued', visibleTo: null, limit: 1, offset: 0 }),
    d.store.files.list({ sessionId, limit: FILES, offset: 0 }),
    d.docs.view(sessionId),
    d.store.permissions.pending({ sessionId }),
  ])
  const current = running.items[0] ?? waiting.items[0] ?? queued.items[0] ?? null
  const ws = session ? await d.store.workspaces.byId(session.workspace_id) : null
  return {
    session_id: sessionId,
    session: session ? toPublicSession(session, role) : null,
    status: session?.status ?? null,
    your_role: role,
    you: { user_id: user.id, username: user.username },
    participants: d.presence.online(sessionId),
    current_execution: current ? { id: current.id, status: current.status, user_id: current.user_id } : null,
    seq,
    history: rows
      .reverse()
      .map((r) => ({ seq: r.seq, type: r.type, data: JSON.parse(r.data) as unknown, timestamp: iso(r.ts) })),
    files: files.items.map((f) => toPublicFile(f, ws?.path ?? null)),
    files_total: files.total,
    document,
    /** user id → the last cursor_update position of each present user */
    cursor_positions: d.cursors.of(sessionId),
    // a late joiner (a phone opened later) can answer what is still waiting
    pending_permissions: pending.map(toPermissionView),
  }
}
