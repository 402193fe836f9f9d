// Workspaces: directories where Claude runs, created under the data directory or registered inside a root.
import { rmSync } from 'node:fs'
import { AppError, conflict, forbidden, notFound } from '../../core/errors.ts'
import { iso } from '../../core/iso.ts'
import type { Signals } from '../../core/signals.ts'
import type { RunStopper } from '../claude/engine/stop-runs.ts'
import type { UserRecord, WorkspaceMemberRecord, WorkspaceRecord } from '../../store/records.ts'
import { StoreConflict, type Store } from '../../store/store.ts'
import { checkRegistered, createManagedDir, managedPath, type DirectoryOptions } from './directories.ts'

export const toPublicWorkspace = (w: WorkspaceRecord) => ({
  ...w,
  created_at: iso(w.created_at),
  updated_at: iso(w.updated_at),
})
const toPublicMember = (m: WorkspaceMemberRecord, username: string) => ({
  user_id: m.user_id,
  username,
  session_role: m.session_role,
  created_at: iso(m.created_at),
})

export class WorkspaceService {
  /** Creations run one at a time, so two overlapping directories cannot both pass the overlap check. */
  private creating: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly store: Store,
    private readonly opts: DirectoryOptions,
    private readonly signals: Signals,
    private readonly runs: Pick<RunStopper, 'stop'>,
  ) {}

  /** The workspace if `user` may use it (owner, member or admin); otherwise NOT_FOUND so ids do not leak. */
  async visible(user: UserRecord, id: string): Promise<WorkspaceRecord> {
    const ws = await this.store.workspaces.byId(id)
    if (!ws || !(await this.canSee(user, ws))) throw notFound('Workspace')
    return ws
  }

  async canSee(user: UserRecord, ws: WorkspaceRecord): Promise<boolean> {
    return (
      user.role === 'admin' || ws.owner_id === user.id || (await this.store.workspaces.member(ws.id, user.id)) !== null
    )
  }

  create(owner: UserRecord, input: { name: string; path?: string; description?: string }) {
    const created = this.creating.then(() => this.insert(owner, input))
    this.creating = created.catch(() => {})
    return created.then(toPublicWorkspace)
  }

  /**
   * The user's default workspace (`<data dir>/workspaces/default-<user id>`), created on first use: for clients that
   * start sessions without naming a workspace (seeds 001 and 004, GET /api/v1/workspaces/default). It is found by its
   * path (unique), so it needs no column of its own and survives renames.
   */
  defaultFor(user: UserRecord): Promise<WorkspaceRecord> {
    const found = this.creating.then(() => this.findOrCreateDefault(user))
    this.creating = found.catch(() => {})
    return found
  }

  private async findOrCreateDefault(user: UserRecord): Promise<WorkspaceRecord> {
    const dirName = `default-${user.id}`
    const existing = await this.store.workspaces.byPath(managedPath(this.opts.dataDir, dirName))
    if (!existing)
      return this.insert(user, { name: 'Default', description: `Default workspace of ${user.username}` }, dirName)
    // handed over (PATCH owner_id): sessions started there would be someone else's to see
    if (existing.owner_id !== user.id)
      throw conflict('Your default workspace was handed over to another user; name a workspace_id instead')
    return existing
  }

  private async insert(
    owner: UserRecord,
    input: { name: string; path?: string; description?: string },
    /** The managed directory's name under <data>/workspaces (the new id by default). */
    dirName?: string,
  ): Promise<WorkspaceRecord> {
    const id = Bun.randomUUIDv7()
    const path =
      input.path === undefined
        ? createManagedDir(this.opts.dataDir, dirName ?? id)
        : await checkRegistered(this.store, this.opts, input.path, (other) => this.canSee(owner, other))
    const now = Date.now()
    const ws: WorkspaceRecord = {
      id,
      name: input.name,
      path,
      owner_id: owner.id,
      managed: input.path === undefined,
      description: input.description ?? null,
      created_at: now,
      updated_at: now,
    }
    try {
      await this.store.workspaces.create(ws)
    } catch (err) {
      if (err instanceof StoreConflict) throw conflict(`A workspace is already registered at ${path}`)
      throw err
    }
    return ws
  }

  async list(user: UserRecord, limit = 100, offset = 0) {
    const { items, total } = await this.store.workspaces.listVisible(user.role === 'admin' ? null : user.id, {
      limit,
      offset,
    })
    return { workspaces: items.map(toPublicWorkspace), total }
  }

  async get(user: UserRecord, id: string) {
    return toPublicWorkspace(await this.visible(user, id))
  }

  async update(user: UserRecord, id: string, patch: { name?: string; description?: string | null; owner_id?: string }) {
    const ws = await this.manageable(user, id)
    if (patch.owner_id && !(await this.store.users.byId(patch.owner_id))) throw notFound('New owner')
    const updated = await this.store.workspaces.update(id, { ...patch, updated_at: Date.now() })
    if (patch.owner_id && patch.owner_id !== ws.owner_id) this.signals.emit('access-changed', { workspaceId: id })
    return toPublicWorkspace(updated!)
  }

  /** Stops the workspace's runs and CLI processes first: nothing may go on running in a deleted workspace. */
  async delete(user: UserRecord, id: string, deleteFiles: boolean) {
    const ws = await this.manageable(user, id)
    if (deleteFiles && !ws.managed)
      throw new AppError('CONFLICT', 409, 'Only directories cchub created can be deleted with the workspace')
    const cancelled = await this.stopRuns(ws.id, `Workspace ${ws.name} was deleted by ${user.username}`)
    await this.store.workspaces.delete(id)
    if (deleteFiles) rmSync(ws.path, { recursive: true, force: true })
    this.signals.emit('access-changed', { workspaceId: id })
    return { ok: true, cancelled_executions: cancelled }
  }

  /**
   * Cancels every queued or running execution in the workspace and ends its sessions' CLI processes, on every node;
   * resolves to how many were cancelled.
   */
  async stopRuns(id: string, reason: string): Promise<number> {
    const { items } = await this.store.sessions.listVisible(null, { workspaceId: id, limit: 1_000_000, offset: 0 })
    return this.runs.stop({ any: [{ workspace_id: id }], session_ids: items.map((s) => s.id), reason })
  }

  async members(user: UserRecord, id: string) {
    await this.visible(user, id)
    const members = await this.store.workspaces.members(id)
    const names = await Promise.all(members.map(async (m) => (await this.store.users.byId(m.user_id))?.username))
    return { members: members.map((m, i) => toPublicMember(m, names[i] ?? m.user_id)) }
  }

  /** Where existing directories may be registered: clients offer registering only when there is a root. */
  roots() {
    return { roots: this.opts.workspaceRoots }
  }

  /** Adds a member named by username (the web app knows names, not ids). */
  async addMemberByName(
    user: UserRecord,
    id: string,
    username: string,
    sessionRole?: WorkspaceMemberRecord['session_role'],
  ) {
    await this.manageable(user, id)
    const target = await this.store.users.byUsername(username)
    if (!target) throw notFound('User')
    return this.putMember(user, id, target.id, sessionRole)
  }

  async putMember(
    user: UserRecord,
    id: string,
    memberId: string,
    sessionRole: WorkspaceMemberRecord['session_role'] = 'collaborator',
  ) {
    const ws = await this.manageable(user, id)
    if (memberId === ws.owner_id) throw conflict('The owner is not a member; they own the workspace')
    const target = await this.store.users.byId(memberId)
    if (!target) throw notFound('User')
    const existing = await this.store.workspaces.member(id, memberId)
    const record = {
      workspace_id: id,
      user_id: memberId,
      session_role: sessionRole,
      created_at: existing?.created_at ?? Date.now(),
    }
    await this.store.workspaces.putMember(record)
    this.signals.emit('access-changed', { workspaceId: id, userId: memberId })
    return toPublicMember(record, target.username)
  }

  async removeMember(user: UserRecord, id: string, memberId: string) {
    await this.manageable(user, id)
    if (!(await this.store.workspaces.removeMember(id, memberId))) throw notFound('Member')
    this.signals.emit('access-changed', { workspaceId: id, userId: memberId })
  }

  private async manageable(user: UserRecord, id: string) {
    const ws = await this.visible(user, id)
    if (user.role !== 'admin' && ws.owner_id !== user.id)
      throw forbidden('Only the workspace owner or an admin may do this')
    return ws
  }
}
