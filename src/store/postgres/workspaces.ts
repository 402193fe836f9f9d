// Workspaces and their members for the PostgreSQL store.
import type { WorkspaceMemberRecord, WorkspaceRecord } from '../records.ts'
import type { WorkspaceRepo } from '../store.ts'
import { encode, pick, type Pg } from './db.ts'

export class PgWorkspaces implements WorkspaceRepo {
  constructor(private readonly db: Pg) {}

  /** Workspaces `user` owns or is a member of; all for null. */
  private visible(user: string | null) {
    return this.db.sql`FROM workspaces w WHERE ${user}::text IS NULL OR w.owner_id = ${user}
      OR EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.id AND m.user_id = ${user})`
  }
  async create(ws: WorkspaceRecord) {
    await this.db.run(this.db.sql`INSERT INTO workspaces ${this.db.sql(encode(ws))}`)
  }
  async byId(id: string) {
    return this.db.one<WorkspaceRecord>(this.db.sql`SELECT * FROM workspaces WHERE id = ${id}`)
  }
  async byPath(path: string) {
    return this.db.one<WorkspaceRecord>(this.db.sql`SELECT * FROM workspaces WHERE path = ${path}`)
  }
  async listVisible(user: string | null, opts: { limit: number; offset: number }) {
    const { sql } = this.db
    const items = await this.db.all<WorkspaceRecord>(
      sql`SELECT w.* ${this.visible(user)} ORDER BY w.created_at, w.id LIMIT ${opts.limit} OFFSET ${opts.offset}`,
    )
    const total = await this.db.one<{ n: number }>(sql`SELECT COUNT(*)::int AS n ${this.visible(user)}`)
    return { items, total: total!.n }
  }
  async update(
    id: string,
    patch: Partial<Pick<WorkspaceRecord, 'name' | 'description' | 'owner_id'>> & { updated_at: number },
  ) {
    const set = pick(patch, ['name', 'description', 'owner_id', 'updated_at'])
    if (set) await this.db.run(this.db.sql`UPDATE workspaces SET ${this.db.sql(set)} WHERE id = ${id}`)
    return this.byId(id)
  }
  async delete(id: string) {
    return (await this.db.run(this.db.sql`DELETE FROM workspaces WHERE id = ${id}`)) > 0
  }
  async members(id: string) {
    return this.db.all<WorkspaceMemberRecord>(
      this.db.sql`SELECT * FROM workspace_members WHERE workspace_id = ${id} ORDER BY created_at`,
    )
  }
  async member(id: string, user: string) {
    return this.db.one<WorkspaceMemberRecord>(
      this.db.sql`SELECT * FROM workspace_members WHERE workspace_id = ${id} AND user_id = ${user}`,
    )
  }
  async putMember(m: WorkspaceMemberRecord) {
    await this.db.run(this.db.sql`INSERT INTO workspace_members ${this.db.sql(encode(m))}
      ON CONFLICT (workspace_id, user_id) DO UPDATE SET session_role = excluded.session_role`)
  }
  async removeMember(id: string, user: string) {
    const q = this.db.sql`DELETE FROM workspace_members WHERE workspace_id = ${id} AND user_id = ${user}`
    return (await this.db.run(q)) > 0
  }
}
