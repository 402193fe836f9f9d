// Who may do what on a Claude session: owner > collaborator > viewer, derived from session, workspace and admin role.
import { AppError, notFound } from '../../core/errors.ts'
import type { SessionRecord, SessionRole, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'

const RANK: Record<SessionRole, number> = { viewer: 1, collaborator: 2, owner: 3 }

export class SessionAccess {
  constructor(private readonly store: Store) {}

  /** The user's role on the session, or null when they may not see it at all. */
  async roleOf(user: UserRecord, session: SessionRecord): Promise<SessionRole | null> {
    if (user.role === 'admin' || session.owner_id === user.id) return 'owner'
    const participant = await this.store.sessions.participant(session.id, user.id)
    if (participant) return participant.role
    const ws = await this.store.workspaces.byId(session.workspace_id)
    if (!ws) return null
    if (ws.owner_id === user.id) return 'owner'
    return (await this.store.workspaces.member(ws.id, user.id))?.session_role ?? null
  }

  /** The session if the user has at least `min`; NOT_FOUND when they cannot see it, FORBIDDEN when the role is too low. */
  async require(user: UserRecord, sessionId: string, min: SessionRole): Promise<{ session: SessionRecord; role: SessionRole }> {
    const session = await this.store.sessions.byId(sessionId)
    const role = session ? await this.roleOf(user, session) : null
    if (!session || !role) throw notFound('Session')
    if (RANK[role] < RANK[min]) throw new AppError('FORBIDDEN', 403, `This needs the ${min} role on the session; you are ${role}`)
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
