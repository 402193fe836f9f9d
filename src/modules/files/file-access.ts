// Who may do what with files: upload targets (session or workspace) and the role a user has on a stored file.
import { forbidden, invalid, notFound } from '../../core/errors.ts'
import type { FileRecord, SessionRole, UserRecord, WorkspaceRecord } from '../../store/records.ts'
import type { FilesDeps, Target, TargetRef } from './service.ts'

export class FileAccess {
  constructor(private readonly deps: Pick<FilesDeps, 'store' | 'access' | 'workspaces'>) {}

  /**
   * Where a user may upload: a session (collaborator or more) or a workspace (its owner, an admin or a collaborator
   * member).
   */
  async target(user: UserRecord, ref: TargetRef): Promise<Target> {
    if (ref.session_id) {
      const { session } = await this.deps.access.require(user, ref.session_id, 'collaborator')
      if (ref.workspace_id && ref.workspace_id !== session.workspace_id)
        throw invalid('session_id belongs to another workspace')
      const ws = await this.deps.store.workspaces.byId(session.workspace_id)
      if (!ws) throw notFound('Workspace')
      return { ws, session }
    }
    // naming neither: the user's default workspace (seed 001's clients upload outside any session)
    if (!ref.workspace_id) return { ws: await this.deps.workspaces.defaultFor(user), session: null }
    const ws = await this.deps.workspaces.visible(user, ref.workspace_id)
    const role = await this.workspaceRole(user, ws)
    if (role !== 'owner' && role !== 'collaborator')
      throw forbidden('Uploading to a workspace needs the collaborator role in it')
    return { ws, session: null }
  }

  /** The file with the user's role on it and its workspace; NOT_FOUND when it is missing or not theirs to see. */
  async readable(
    user: UserRecord,
    id: string,
  ): Promise<{ file: FileRecord; role: SessionRole; ws: WorkspaceRecord | null }> {
    const file = await this.deps.store.files.byId(id)
    const role = file ? await this.roleOn(user, file) : null
    if (!file || !role) throw notFound('File')
    return { file, role, ws: file.workspace_id ? await this.deps.store.workspaces.byId(file.workspace_id) : null }
  }

  /** The session role on the file's session, or (a workspace file) on its workspace; null: none. */
  async roleOn(user: UserRecord, file: FileRecord): Promise<SessionRole | null> {
    if (file.session_id) {
      const session = await this.deps.store.sessions.byId(file.session_id)
      return session ? this.deps.access.roleOf(user, session) : null
    }
    const ws = file.workspace_id ? await this.deps.store.workspaces.byId(file.workspace_id) : null
    return ws ? this.workspaceRole(user, ws) : null
  }

  private async workspaceRole(user: UserRecord, ws: WorkspaceRecord): Promise<SessionRole | null> {
    if (user.role === 'admin' || ws.owner_id === user.id) return 'owner'
    return (await this.deps.store.workspaces.member(ws.id, user.id))?.session_role ?? null
  }
}
