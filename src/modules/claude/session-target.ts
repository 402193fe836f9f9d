// The session an execute request runs in: an existing one the user may prompt in, or a new one in the workspace.
import { AppError, notFound } from '../../core/errors.ts'
import type { SessionRecord, UserRecord, WorkspaceRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import { createSession } from '../sessions/create.ts'
import type { SessionAccess } from '../sessions/access.ts'

export interface TargetDeps {
  store: Store
  access: SessionAccess
}

const otherWorkspace = () => new AppError('VALIDATION_FAILED', 422, 'session_id belongs to another workspace')

/** The workspace of a session the user prompts in as a collaborator; it must be the one the request names. */
export async function sessionWorkspace(
  d: TargetDeps,
  user: UserRecord,
  sessionId: string,
  workspaceId: string,
): Promise<WorkspaceRecord> {
  const { session } = await d.access.require(user, sessionId, 'collaborator')
  const ws = await d.store.workspaces.byId(session.workspace_id)
  if (!ws) throw notFound('Workspace')
  if (ws.id !== workspaceId) throw otherWorkspace()
  return ws
}

export async function openSession(
  d: TargetDeps,
  user: UserRecord,
  id: string,
  workspaceId: string,
): Promise<SessionRecord> {
  const { session } = await d.access.require(user, id, 'collaborator')
  if (session.workspace_id !== workspaceId) throw otherWorkspace()
  if (session.status === 'closed') throw new AppError('SESSION_CLOSED', 409, 'This session is closed; start a new one')
  return session
}

export async function newSession(
  d: TargetDeps,
  user: UserRecord,
  ws: Pick<WorkspaceRecord, 'id' | 'owner_id'>,
  title: string | null,
): Promise<SessionRecord> {
  // a member whose role in the workspace is viewer reads its sessions but may not run Claude there
  if (
    user.role !== 'admin' &&
    ws.owner_id !== user.id &&
    (await d.store.workspaces.member(ws.id, user.id))?.session_role === 'viewer'
  ) {
    throw new AppError(
      'FORBIDDEN',
      403,
      'Viewers of this workspace cannot start sessions in it; the workspace owner can make you a collaborator',
    )
  }
  return createSession(d.store, { workspace_id: ws.id, owner_id: user.id, title, cli_session_id: null })
}
