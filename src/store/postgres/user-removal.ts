// Deleting a user without taking other people's data along (PostgreSQL): hand shared things to an heir, then cascade.
import type { WorkspaceRecord } from '../records.ts'
import type { UserRemoval } from '../store.ts'
import { decode, type Pg } from './db.ts'

type Sql = Pg['sql']

/** Workspaces of `id` that nobody else has any part in. */
const sole = (sql: Sql, id: string) => sql`SELECT w.* FROM workspaces w WHERE w.owner_id = ${id}
  AND NOT EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.id)
  AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.workspace_id = w.id AND s.owner_id <> ${id})
  AND NOT EXISTS (SELECT 1 FROM session_participants p JOIN sessions s ON s.id = p.session_id WHERE s.workspace_id = w.id AND p.user_id <> ${id})
  AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.workspace_id = w.id AND e.user_id <> ${id})
  AND NOT EXISTS (SELECT 1 FROM files f WHERE f.workspace_id = w.id AND f.owner_id <> ${id})`

export function soleWorkspaces(db: Pg, id: string): Promise<WorkspaceRecord[]> {
  return db.all<WorkspaceRecord>(sole(db.sql, id))
}

export function deleteHandingOver(db: Pg, id: string, heir: string, at: number): Promise<UserRemoval | null> {
  return db.tx(async (sql): Promise<UserRemoval | null> => {
    // the user's row locked first: a concurrent removal of the same user waits, then finds nobody
    if (!(await sql`SELECT 1 FROM users WHERE id = ${id} FOR UPDATE`).length) return null
    const deletedWorkspaces = ((await sole(sql, id)) as Record<string, unknown>[]).map((r) =>
      decode<WorkspaceRecord>(r),
    )
    const drop = deletedWorkspaces.map((w) => w.id)
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id)
    const transferredWorkspaces = ids(
      await sql`UPDATE workspaces SET owner_id = ${heir}, updated_at = ${at}
      WHERE owner_id = ${id} AND NOT (id = ANY(${drop}::text[])) RETURNING id`,
    )
    const transferredSessions = ids(
      await sql`UPDATE sessions SET owner_id = ${heir}, updated_at = ${at}
      WHERE owner_id = ${id} AND NOT (workspace_id = ANY(${drop}::text[])) RETURNING id`,
    )
    for (const session of transferredSessions)
      await sql`INSERT INTO session_participants (session_id, user_id, role, created_at) VALUES (${session}, ${heir}, 'owner', ${at})
        ON CONFLICT (session_id, user_id) DO UPDATE SET role = 'owner'`
    const transferredFiles = (
      await sql`UPDATE files SET owner_id = ${heir} WHERE owner_id = ${id} AND workspace_id IS NOT NULL
        AND NOT (workspace_id = ANY(${drop}::text[]))`
    ).count as number
    const [counted] = await sql`SELECT COUNT(*)::int AS n FROM sessions WHERE workspace_id = ANY(${drop}::text[])`
    const deletedFiles = (await sql`SELECT f.path, w.path AS workspace_path FROM files f
      LEFT JOIN workspaces w ON w.id = f.workspace_id WHERE f.owner_id = ${id} OR f.workspace_id = ANY(${drop}::text[])`) as {
      path: string
      workspace_path: string | null
    }[]
    await sql`DELETE FROM users WHERE id = ${id}`
    return {
      transferredWorkspaces,
      transferredSessions,
      transferredFiles,
      deletedWorkspaces,
      deletedSessions: (counted as { n: number }).n,
      deletedFiles: deletedFiles.map((f) => ({ path: f.path, workspace_path: f.workspace_path })),
    }
  })
}
