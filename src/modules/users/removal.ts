// Deleting a user: runs stop, what others share goes to the deleting admin, what was theirs alone goes (bytes too).
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { AppError, notFound } from '../../core/errors.ts'
import { isInside, realOrSelf, safeJoin } from '../../core/paths.ts'
import type { Signals } from '../../core/signals.ts'
import type { UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import { moveTranscripts } from '../claude/cli/home.ts'
import type { RunStopper } from '../claude/engine/stop-runs.ts'
import { removeStored } from '../files/storage.ts'

export interface UserRemovalDeps {
  store: Store
  runs: Pick<RunStopper, 'stop'>
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
    const dropped = new Set((await this.deps.store.users.soleWorkspaces(user.id)).map((w) => w.id))
    const { items } = await this.deps.store.sessions.listVisible(user.id, { limit: 1_000_000, offset: 0 })
    // sessions handed over keep their conversation: the transcripts go to the admin's CLI home, where runs resume
    const handed = items.filter((s) => s.owner_id === id && !dropped.has(s.workspace_id))
    moveTranscripts(
      this.deps.dataDir,
      id,
      admin.id,
      handed.flatMap((s) => (s.cli_session_id ? [s.cli_session_id] : [])),
    )
    // on every node: the sessions handed over continue with the admin, what was the user's stops
    const cancelled = await this.deps.runs.stop({
      any: [{ user_id: id }, ...[...dropped].map((w) => ({ workspace_id: w }))],
      session_ids: items.filter((s) => s.owner_id === id || dropped.has(s.workspace_id)).map((s) => s.id),
      reason: `User ${user.username} was deleted`,
      hand_over: { session_ids: handed.map((s) => s.id), owner_id: admin.id },
    })
    const r = await this.deps.store.users.deleteHandingOver(id, admin.id, Date.now())
    if (!r) throw notFound('User')
    for (const f of r.deletedFiles) if (f.workspace_path) await removeStored(f.path, f.workspace_path)
    const managedRoot = join(realOrSelf(this.deps.dataDir), 'workspaces')
    for (const ws of r.deletedWorkspaces) {
      // a directory cchub created for the workspace goes with it; a registered directory is the host's and stays
      if (ws.managed && isInside(managedRoot, realOrSelf(ws.path)) && realOrSelf(ws.path) !== managedRoot)
        rmSync(ws.path, { recursive: true, force: true })
    }
    rmSync(safeJoin(join(this.deps.dataDir, 'homes'), id), { recursive: true, force: true })
    for (const workspaceId of r.transferredWorkspaces) this.deps.signals.emit('access-changed', { workspaceId })
    return {
      ok: true,
      cancelled_executions: cancelled,
      transferred_to: admin.id,
      transferred: { workspaces: r.transferredWorkspaces, sessions: r.transferredSessions, files: r.transferredFiles },
      deleted: {
        workspaces: r.deletedWorkspaces.map((w) => w.id),
        sessions: r.deletedSessions,
        files: r.deletedFiles.length,
      },
    }
  }
}
