// Who may do what on a Claude session: owner > collaborator > viewer, derived from session, workspace and admin role.
import { AppError, notFound } from '../../core/errors.ts'
import type { SessionRecord, SessionRole, UserRecord, WorkspaceRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'

const RANK: Record<SessionRole, number> = { viewer: 1, collaborator: 2, owner: 3 }
const higher = (a: SessionRole | null, b: SessionRole | null) =>
  a === null || (b !== null && RANK[b] > RANK[a]) ? b : a

/**
 * The role the workspace gives on every one of its sessions: owner for its owner and admins, else the member's default.
 */
export async function workspaceRole(store: Store, user: UserRecord, ws: WorkspaceRecord): Promise<SessionRole | null> {
  if (user.role === 'admin' || ws.owner_id === user.id) return 'owner'
  return (await store.workspaces.member(ws.id, user.id))?.session_role ?? null
}

export class SessionAccess {
  constructor(private readonly store: Store) {}

  /**
   * The user's role on the session, or null when they may not see it at all: the higher of their participant row
   * and their workspace role, so a participant row never lowers a workspace owner, an admin or a member.
   */
  async roleOf(user: UserRecord, session: SessionRecord): Promise<SessionRole | null> {
    if (session.owner_id === user.id) return 'owner'
    const participant = (await this.store.sessions.participant(session.id, user.id))?.role ?? null
    return higher(participant, await this.workspaceRoleOn(user, session))
  }

  /** The role `user` holds on the session through its workspace alone (see workspaceRole). */
  async workspaceRoleOn(user: UserRecord, session: SessionRecord): Promise<SessionRole | null> {
    if (user.role === 'admin') return 'owner'
    const ws = await this.store.workspaces.byId(session.workspace_id)
    return ws ? workspaceRole(this.store, user, ws) : null
  }

  /**
   * The session if the user has at least `min`; NOT_FOUND when they cannot see it, FORBIDDEN when the role is too low.
   */
  async require(
    user: UserRecord,
    sessionId: string,
    min: SessionRole,
  ): Promise<{ session: SessionRecord; role: SessionRole }> {
    const session = await this.store.sessions.byId(sessionId)
    const role = session ? await this.roleOf(user, session) : null
    if (!session || !role) throw notFound('Session')
    if (RANK[role] < RANK[min])
      throw new AppError('FORBIDDEN', 403, `This needs the ${min} role on the session; you are ${role}`)
    return { session, role }
  }

  async canReadSession(user: UserRecord, sessionId: string): Promise<boolean> {
    const session = await this.store.sessions.byId(sessionId)
    return session !== null && (await this.roleOf(user, session)) !== null
  }

  async canReadExecution(user: UserRecord, executionId: string): Promise<boolean> {
    const e = await this.store.executions.byId(executionId)
    return e !== null && (await this.canReadSession(user, e.session_id))
  }
}
