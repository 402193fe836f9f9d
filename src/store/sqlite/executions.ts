// Claude executions for the SQLite store.
import type { Database } from 'bun:sqlite'
import type { ExecutionRecord, ExecutionStatus } from '../records.ts'
import type { ExecutionRepo } from '../store.ts'
import { insertUnique } from './constraint.ts'
import { fromRow, toRow, updateSql } from './json-columns.ts'
import { EXECUTION_JSON, EXECUTION_UPDATABLE } from '../columns.ts'

const FILTER = `FROM executions e JOIN sessions s ON s.id = e.session_id JOIN workspaces w ON w.id = e.workspace_id
  WHERE ($session IS NULL OR e.session_id = $session) AND ($status IS NULL OR e.status = $status)
  AND ($user IS NULL OR s.owner_id = $user OR w.owner_id = $user
    OR EXISTS (SELECT 1 FROM session_participants p WHERE p.session_id = s.id AND p.user_id = $user)
    OR EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = e.workspace_id AND m.user_id = $user))`

type Filter = { session: string | null; status: string | null; user: string | null }

export class SqliteExecutions implements ExecutionRepo {
  private readonly q
  constructor(private readonly db: Database) {
    this.q = {
      insert:
        db.query(`INSERT INTO executions (id, session_id, workspace_id, user_id, prompt, options, status, error, exit_code, num_turns, message_count,
          total_cost_usd, usage, stderr, permission_denials, created_at, started_at, finished_at)
        VALUES ($id, $session_id, $workspace_id, $user_id, $prompt, $options, $status, $error, $exit_code, $num_turns, $message_count,
          $total_cost_usd, $usage, $stderr, $permission_denials, $created_at, $started_at, $finished_at)`),
      byId: db.query<Record<string, unknown>, { id: string }>('SELECT * FROM executions WHERE id = $id'),
      list: db.query<Record<string, unknown>, Filter & { limit: number; offset: number }>(
        `SELECT e.* ${FILTER} ORDER BY e.created_at DESC, e.id DESC LIMIT $limit OFFSET $offset`,
      ),
      count: db.query<{ n: number }, Filter>(`SELECT COUNT(*) AS n ${FILTER}`),
      setIf: db.query<Record<string, unknown>, { id: string; from: string; to: string }>(
        'UPDATE executions SET status = $to WHERE id = $id AND status = $from RETURNING *',
      ),
    }
  }
  async create(e: ExecutionRecord) {
    insertUnique(() => this.q.insert.run(toRow({ ...e }, EXECUTION_JSON)), `execution ${e.id}`)
  }
  async byId(id: string) {
    return fromRow<ExecutionRecord>(this.q.byId.get({ id }), EXECUTION_JSON)
  }
  async list(f: {
    sessionId?: string
    status?: ExecutionStatus
    visibleTo: string | null
    limit: number
    offset: number
  }) {
    const filter: Filter = { session: f.sessionId ?? null, status: f.status ?? null, user: f.visibleTo }
    const items = this.q.list
      .all({ ...filter, limit: f.limit, offset: f.offset })
      .map((r) => fromRow<ExecutionRecord>(r, EXECUTION_JSON)!)
    return { items, total: this.q.count.get(filter)!.n }
  }
  async update(id: string, patch: Partial<Omit<ExecutionRecord, 'id' | 'created_at'>>) {
    const u = updateSql('executions', EXECUTION_UPDATABLE, patch)
    if (u)
      this.db.query(u.sql).run({
        id,
        ...toRow(Object.fromEntries(u.keys.map((k) => [k, (patch as Record<string, unknown>)[k]])), EXECUTION_JSON),
      })
    return this.byId(id)
  }
  async withStatus(statuses: ExecutionStatus[]) {
    const marks = statuses.map((_, i) => `$s${i}`).join(', ')
    const params = Object.fromEntries(statuses.map((s, i) => [`s${i}`, s]))
    return this.db
      .query<Record<string, unknown>, Record<string, string>>(
        `SELECT * FROM executions WHERE status IN (${marks}) ORDER BY created_at`,
      )
      .all(params)
      .map((r) => fromRow<ExecutionRecord>(r, EXECUTION_JSON)!)
  }
  async setStatusIf(id: string, from: ExecutionStatus, to: ExecutionStatus) {
    return fromRow<ExecutionRecord>(this.q.setIf.get({ id, from, to }), EXECUTION_JSON)
  }
}
