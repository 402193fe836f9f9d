// Deleting a user: their runs stop, what others share goes to the deleting admin, what was theirs alone goes (bytes too).
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { AppError, notFound } from '../../core/errors.ts'
import { isInside, realOrSelf, safeJoin } from '../../core/paths.ts'
import type { Signals } from '../../core/signals.ts'
import type { UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { ExecutionEngine } from '../claude/engine/execution-engine.ts'
import { removeStored } from '../files/storage.ts'

export interface UserRemovalDeps {
  store: Store
  engine: Pick<ExecutionEngine, 'stopWhere'>
  signals: Signals
  dataDir: string
}

export class UserRemoval {
  constructor(private readonly deps: UserRemovalDeps) {}

  async remove(admin: UserRecord, id: string) {
    if (id === admin.id) throw new AppError('CONFLICT', 409, 'Administrators cannot delete themselves')
    const user = await this.deps.store.users.byId(id)
    if (!user) throw notFound('User')
    // disabled first: no new request, socket or run of theirs while their things are taken apart
    await this.deps.store.users.update(id, { disabled: true, updated_at: Date.now() })
    this.deps.signals.emit('user-disabled', { userId: id })
    const cancelled = await this.stopRuns(user)
    const r = await this.deps.store.users.deleteHandingOver(id, admin.id, Date.now())
    if (!r) throw notFound('User')
    for (const f of r.deletedFiles) if (f.workspace_path) await removeStored(f.path, f.workspace_path)
    const managedRoot = join(realOrSelf(this.deps.dataDir), 'workspaces')
    for (const ws of r.deletedWorkspaces) {
      // a directory cchub created for the workspace goes with it; a registered directory is the host's and stays
      if (ws.managed && isInside(managedRoot, realOrSelf(ws.path)) && realOrSelf(ws.path) !== managedRoot) rmSync(ws.path, { recursive: true, force: true })
    }
    rmSync(safeJoin(join(this.deps.dataDir, 'homes'), id), { recursive: true, force: true })
    for (const workspaceId of r.transferredWorkspaces) this.deps.signals.emit('access-changed', { workspaceId })
    return {
      ok: true,
      cancelled_executions: cancelled,
      transferred_to: admin.id,
      transferred: { workspaces: r.transferredWorkspaces, sessions: r.transferredSessions, files: r.transferredFiles },
      deleted: { workspaces: r.deletedWorkspaces.map((w) => w.id), sessions: r.deletedSessions, files: r.deletedFiles.length },
    }
  }

  /** Cancels the user's queued and running executions and everything in the workspaces that go with them; ends those CLI processes. */
  private async stopRuns(user: UserRecord): Promise<number> {
    const dropped = new Set((await this.deps.store.users.soleWorkspaces(user.id)).map((w) => w.id))
    const { items } = await this.deps.store.sessions.listVisible(user.id, { limit: 1_000_000, offset: 0 })
    const sessions = items.filter((s) => s.owner_id === user.id || dropped.has(s.workspace_id)).map((s) => s.id)
    return this.deps.engine.stopWhere((e) => e.user_id === user.id || dropped.has(e.workspace_id), sessions, `User ${user.username} was deleted`)
  }
}
