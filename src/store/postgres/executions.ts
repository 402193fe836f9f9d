// Claude executions for the PostgreSQL store.
import type { ExecutionRecord, ExecutionStatus } from '../records.ts'
import type { ExecutionRepo } from '../store.ts'
import { encode, pick, type Pg } from './db.ts'
import { EXECUTION_JSON, EXECUTION_UPDATABLE } from '../columns.ts'

type Filter = Parameters<ExecutionRepo['list']>[0]

export class PgExecutions implements ExecutionRepo {
  constructor(private readonly db: Pg) {}

  private filtered(f: Filter) {
    const [session, status, user] = [f.sessionId ?? null, f.status ?? null, f.visibleTo]
    return this.db
      .sql`FROM executions e JOIN sessions s ON s.id = e.session_id JOIN workspaces w ON w.id = e.workspace_id
      WHERE (${session}::text IS NULL OR e.session_id = ${session}) AND (${status}::text IS NULL OR e.status = ${status})
      AND (${user}::text IS NULL OR s.owner_id = ${user} OR w.owner_id = ${user}
        OR EXISTS (SELECT 1 FROM session_participants p WHERE p.session_id = s.id AND p.user_id = ${user})
        OR EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = e.workspace_id AND m.user_id = ${user}))`
  }
  async create(e: ExecutionRecord) {
    await this.db.run(this.db.sql`INSERT INTO executions ${this.db.sql(encode(e, EXECUTION_JSON))}`)
  }
  async byId(id: string) {
    return this.db.one<ExecutionRecord>(this.db.sql`SELECT * FROM executions WHERE id = ${id}`, EXECUTION_JSON)
  }
  async list(f: Filter) {
    const { sql } = this.db
    const items = await this.db.all<ExecutionRecord>(
      sql`SELECT e.* ${this.filtered(f)} ORDER BY e.created_at DESC, e.id DESC LIMIT ${f.limit} OFFSET ${f.offset}`,
      EXECUTION_JSON,
    )
    const total = await this.db.one<{ n: number }>(sql`SELECT COUNT(*)::int AS n ${this.filtered(f)}`)
    return { items, total: total!.n }
  }
  async update(id: string, patch: Partial<Omit<ExecutionRecord, 'id' | 'created_at'>>) {
    const set = pick(patch, EXECUTION_UPDATABLE, EXECUTION_JSON)
    if (set) await this.db.run(this.db.sql`UPDATE executions SET ${this.db.sql(set)} WHERE id = ${id}`)
    return this.byId(id)
  }
  async withStatus(statuses: ExecutionStatus[]) {
    return this.db.all<ExecutionRecord>(
      this.db.sql`SELECT * FROM executions WHERE status = ANY(${statuses}::text[]) ORDER BY created_at`,
      EXECUTION_JSON,
    )
  }
  async setStatusIf(id: string, from: ExecutionStatus, to: ExecutionStatus) {
    return this.db.one<ExecutionRecord>(
      this.db.sql`UPDATE executions SET status = ${to} WHERE id = ${id} AND status = ${from} RETURNING *`,
      EXECUTION_JSON,
    )
  }
}
