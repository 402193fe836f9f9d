// Reading sessions: the visible list with what runs in each, one session with its current execution, its event log.
import type { SessionRecord, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import { sessionChannel } from '../realtime/channels.ts'
import type { SessionAccess } from '../sessions/access.ts'
import { currentRuns } from '../sessions/current-runs.ts'
import { toPublicSession } from '../sessions/views.ts'
import type { WorkspaceService } from '../workspaces/service.ts'

export interface ReadDeps {
  store: Store
  access: SessionAccess
  workspaces: WorkspaceService
}

export async function listSessions(
  d: ReadDeps,
  user: UserRecord,
  q: { workspace_id?: string; limit?: number; offset?: number },
) {
  if (q.workspace_id) await d.workspaces.visible(user, q.workspace_id)
  const { items, total } = await d.store.sessions.listVisible(user.role === 'admin' ? null : user.id, {
    workspaceId: q.workspace_id,
    limit: q.limit ?? 50,
    offset: q.offset ?? 0,
  })
  const runs = await currentRuns(d.store)
  const view = async (s: SessionRecord) => ({
    ...toPublicSession(s, await d.access.roleOf(user, s)),
    current_execution_id: runs.get(s.id)?.id ?? null,
    current_status: runs.get(s.id)?.status ?? null,
  })
  return { sessions: await Promise.all(items.map(view)), total }
}

/** The session as its viewer sees it, with the execution running (or waiting for a permission answer) in it. */
export async function readSession(d: ReadDeps, user: UserRecord, id: string) {
  const { session, role } = await d.access.require(user, id, 'viewer')
  const page = { sessionId: id, visibleTo: null, limit: 1, offset: 0 }
  const running = await d.store.executions.list({ ...page, status: 'running' })
  const waiting = running.total ? running : await d.store.executions.list({ ...page, status: 'waiting_for_permission' })
  return { ...toPublicSession(session, role), current_execution_id: waiting.items[0]?.id ?? null }
}

/** The session's events, newest `limit` before `before` (a seq), oldest first; `next_before` pages further back. */
export async function sessionLogs(d: ReadDeps, user: UserRecord, id: string, limit: number, before?: number) {
  await d.access.require(user, id, 'viewer')
  const rows = await d.store.events.readBefore(sessionChannel(id), before ?? Number.MAX_SAFE_INTEGER, limit)
  const logs = rows.reverse().map((r) => ({
    seq: r.seq,
    type: r.type,
    data: JSON.parse(r.data) as unknown,
    timestamp: new Date(r.ts).toISOString(),
  }))
  return {
    session_id: id,
    logs,
    count: logs.length,
    next_before: rows.length === limit && logs[0] ? logs[0].seq : null,
  }
}
