// Deleting a user without taking other people's data along: hand shared things to an heir, then let the cascades run.
import type { Database } from 'bun:sqlite'
import type { WorkspaceRecord } from '../records.ts'
import type { UserRemoval } from '../store.ts'

type WorkspaceRow = Omit<WorkspaceRecord, 'managed'> & { managed: number }
const toWorkspace = (r: WorkspaceRow): WorkspaceRecord => ({ ...r, managed: r.managed === 1 })

/** Workspaces of $id that nobody else has any part in. */
const SOLE = `SELECT w.* FROM workspaces w WHERE w.owner_id = $id
  AND NOT EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.id)
  AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.workspace_id = w.id AND s.owner_id <> $id)
  AND NOT EXISTS (SELECT 1 FROM session_participants p JOIN sessions s ON s.id = p.session_id WHERE s.workspace_id = w.id AND p.user_id <> $id)
  AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.workspace_id = w.id AND e.user_id <> $id)
  AND NOT EXISTS (SELECT 1 FROM files f WHERE f.workspace_id = w.id AND f.owner_id <> $id)`
const DROP = '(SELECT value FROM json_each($drop))'

export function soleWorkspaces(db: Database, id: string): WorkspaceRecord[] {
  return db.query<WorkspaceRow, { id: string }>(SOLE).all({ id }).map(toWorkspace)
}

export function deleteHandingOver(db: Database, id: string, heir: string, at: number): UserRemoval | null {
  return db.transaction((): UserRemoval | null => {
    if (!db.query('SELECT 1 FROM users WHERE id = $id').get({ id })) return null
    const deletedWorkspaces = soleWorkspaces(db, id)
    const p = { id, heir, at, drop: JSON.stringify(deletedWorkspaces.map((w) => w.id)) }
    const ids = (sql: string) =>
      db
        .query<{ id: string }, typeof p>(sql)
        .all(p)
        .map((r) => r.id)
    const transferredWorkspaces = ids(`SELECT id FROM workspaces WHERE owner_id = $id AND id NOT IN ${DROP}`)
    db.query(`UPDATE workspaces SET owner_id = $heir, updated_at = $at WHERE owner_id = $id AND id NOT IN ${DROP}`).run(
      p,
    )
    const transferredSessions = ids(`SELECT id FROM sessions WHERE owner_id = $id AND workspace_id NOT IN ${DROP}`)
    db.query(
      `UPDATE sessions SET owner_id = $heir, updated_at = $at WHERE owner_id = $id AND workspace_id NOT IN ${DROP}`,
    ).run(p)
    const owner =
      db.query(`INSERT INTO session_participants (session_id, user_id, role, created_at) VALUES ($session, $heir, 'owner', $at)
      ON CONFLICT (session_id, user_id) DO UPDATE SET role = 'owner'`)
    for (const session of transferredSessions) owner.run({ session, heir, at })
    const transferredFiles = db
      .query(
        `UPDATE files SET owner_id = $heir WHERE owner_id = $id AND workspace_id IS NOT NULL AND workspace_id NOT IN ${DROP}`,
      )
      .run(p).changes
    const deletedSessions = db
      .query<{ n: number }, typeof p>(`SELECT COUNT(*) AS n FROM sessions WHERE workspace_id IN ${DROP}`)
      .get(p)!.n
    const deletedFiles = db
      .query<
        { path: string; workspace_path: string | null },
        typeof p
      >(`SELECT f.path, w.path AS workspace_path FROM files f
      LEFT JOIN workspaces w ON w.id = f.workspace_id WHERE (f.owner_id = $id OR f.workspace_id IN ${DROP})`)
      .all(p)
    db.query('DELETE FROM users WHERE id = $id').run({ id })
    return {
      transferredWorkspaces,
      transferredSessions,
      transferredFiles,
      deletedWorkspaces,
      deletedSessions,
      deletedFiles,
    }
  })()
}
