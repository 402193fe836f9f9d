// Workspaces and their members for the SQLite store.
import type { Database } from 'bun:sqlite'
import type { WorkspaceMemberRecord, WorkspaceRecord } from '../records.ts'
import { StoreConflict, type WorkspaceRepo } from '../store.ts'
import { isUniqueViolation } from './constraint.ts'

type Row = Omit<WorkspaceRecord, 'managed'> & { managed: number }
const toRecord = (r: Row | null): WorkspaceRecord | null => (r ? { ...r, managed: r.managed === 1 } : null)
const VISIBLE = `FROM workspaces w WHERE $user IS NULL OR w.owner_id = $user
  OR EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.id AND m.user_id = $user)`

export class SqliteWorkspaces implements WorkspaceRepo {
  private readonly q
  constructor(private readonly db: Database) {
    this.q = {
      insert: db.query(
        `INSERT INTO workspaces (id, name, path, owner_id, managed, description, created_at, updated_at)
         VALUES ($id, $name, $path, $owner_id, $managed, $description, $created_at, $updated_at)`,
      ),
      byId: db.query<Row, { id: string }>('SELECT * FROM workspaces WHERE id = $id'),
      byPath: db.query<Row, { path: string }>('SELECT * FROM workspaces WHERE path = $path'),
      list: db.query<Row, { user: string | null; limit: number; offset: number }>(
        `SELECT w.* ${VISIBLE} ORDER BY w.created_at, w.id LIMIT $limit OFFSET $offset`,
      ),
      count: db.query<{ n: number }, { user: string | null }>(`SELECT COUNT(*) AS n ${VISIBLE}`),
      del: db.query('DELETE FROM workspaces WHERE id = $id'),
      members: db.query<WorkspaceMemberRecord, { id: string }>(
        'SELECT * FROM workspace_members WHERE workspace_id = $id ORDER BY created_at',
      ),
      member: db.query<WorkspaceMemberRecord, { id: string; user: string }>(
        'SELECT * FROM workspace_members WHERE workspace_id = $id AND user_id = $user',
      ),
      putMember: db.query(
        `INSERT INTO workspace_members (workspace_id, user_id, session_role, created_at) VALUES ($workspace_id, $user_id, $session_role, $created_at)
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET session_role = excluded.session_role`,
      ),
      removeMember: db.query('DELETE FROM workspace_members WHERE workspace_id = $id AND user_id = $user'),
    }
  }

  async create(ws: WorkspaceRecord) {
    try {
      this.q.insert.run({ ...ws, managed: ws.managed ? 1 : 0 })
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreConflict(`a workspace is already registered at ${ws.path}`)
      throw err
    }
  }
  async byId(id: string) {
    return toRecord(this.q.byId.get({ id }))
  }
  async byPath(path: string) {
    return toRecord(this.q.byPath.get({ path }))
  }
  async listVisible(user: string | null, opts: { limit: number; offset: number }) {
    const items = this.q.list.all({ user, ...opts }).map((r) => toRecord(r)!)
    return { items, total: this.q.count.get({ user })!.n }
  }
  async update(
    id: string,
    patch: Partial<Pick<WorkspaceRecord, 'name' | 'description' | 'owner_id'>> & { updated_at: number },
  ) {
    const cols = (['name', 'description', 'owner_id', 'updated_at'] as const).filter((c) => c in patch)
    const params: Record<string, string | number | null> = { id }
    for (const c of cols) params[c] = patch[c] ?? null
    this.db.query(`UPDATE workspaces SET ${cols.map((c) => `${c} = $${c}`).join(', ')} WHERE id = $id`).run(params)
    return this.byId(id)
  }
  async delete(id: string) {
    return this.q.del.run({ id }).changes > 0
  }
  async members(id: string) {
    return this.q.members.all({ id })
  }
  async member(id: string, user: string) {
    return this.q.member.get({ id, user })
  }
  async putMember(m: WorkspaceMemberRecord) {
    this.q.putMember.run({ ...m })
  }
  async removeMember(id: string, user: string) {
    return this.q.removeMember.run({ id, user }).changes > 0
  }
}
