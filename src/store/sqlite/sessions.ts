// Claude sessions and their participants for the SQLite store.
import type { Database } from 'bun:sqlite'
import type { ParticipantRecord, SessionRecord } from '../records.ts'
import type { SessionRepo } from '../store.ts'
import { insertUnique } from './constraint.ts'
import { fromRow, toRow, updateSql } from './json-columns.ts'
import { SESSION_JSON, SESSION_UPDATABLE } from '../columns.ts'

const VISIBLE = `FROM sessions s JOIN workspaces w ON w.id = s.workspace_id
  WHERE ($ws IS NULL OR s.workspace_id = $ws) AND ($user IS NULL OR s.owner_id = $user OR w.owner_id = $user
    OR EXISTS (SELECT 1 FROM session_participants p WHERE p.session_id = s.id AND p.user_id = $user)
    OR EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = s.workspace_id AND m.user_id = $user))`

export class SqliteSessions implements SessionRepo {
  private readonly q
  constructor(private readonly db: Database) {
    this.q = {
      insert:
        db.query(`INSERT INTO sessions (id, workspace_id, owner_id, title, cli_session_id, status, model, total_cost_usd, usage, created_at, updated_at, closed_at)
        VALUES ($id, $workspace_id, $owner_id, $title, $cli_session_id, $status, $model, $total_cost_usd, $usage, $created_at, $updated_at, $closed_at)`),
      byId: db.query<Record<string, unknown>, { id: string }>('SELECT * FROM sessions WHERE id = $id'),
      list: db.query<
        Record<string, unknown>,
        { user: string | null; ws: string | null; limit: number; offset: number }
      >(`SELECT s.* ${VISIBLE} ORDER BY s.updated_at DESC, s.id DESC LIMIT $limit OFFSET $offset`),
      count: db.query<{ n: number }, { user: string | null; ws: string | null }>(`SELECT COUNT(*) AS n ${VISIBLE}`),
      participants: db.query<ParticipantRecord, { id: string }>(
        'SELECT * FROM session_participants WHERE session_id = $id ORDER BY created_at',
      ),
      participant: db.query<ParticipantRecord, { id: string; user: string }>(
        'SELECT * FROM session_participants WHERE session_id = $id AND user_id = $user',
      ),
      put: db.query(`INSERT INTO session_participants (session_id, user_id, role, created_at) VALUES ($session_id, $user_id, $role, $created_at)
        ON CONFLICT (session_id, user_id) DO UPDATE SET role = excluded.role`),
      remove: db.query('DELETE FROM session_participants WHERE session_id = $id AND user_id = $user'),
    }
  }
  async create(s: SessionRecord) {
    insertUnique(() => this.q.insert.run(toRow({ ...s }, SESSION_JSON)), `session ${s.id}`)
  }
  async byId(id: string) {
    return fromRow<SessionRecord>(this.q.byId.get({ id }), SESSION_JSON)
  }
  async listVisible(user: string | null, opts: { workspaceId?: string; limit: number; offset: number }) {
    const ws = opts.workspaceId ?? null
    const items = this.q.list
      .all({ user, ws, limit: opts.limit, offset: opts.offset })
      .map((r) => fromRow<SessionRecord>(r, SESSION_JSON)!)
    return { items, total: this.q.count.get({ user, ws })!.n }
  }
  async update(id: string, patch: Partial<Omit<SessionRecord, 'id' | 'created_at'>>) {
    const u = updateSql('sessions', SESSION_UPDATABLE, patch)
    if (u)
      this.db.query(u.sql).run({
        id,
        ...toRow(Object.fromEntries(u.keys.map((k) => [k, (patch as Record<string, unknown>)[k]])), SESSION_JSON),
      })
    return this.byId(id)
  }
  async participants(id: string) {
    return this.q.participants.all({ id })
  }
  async participant(id: string, user: string) {
    return this.q.participant.get({ id, user })
  }
  async putParticipant(p: ParticipantRecord) {
    this.q.put.run({ ...p })
  }
  async removeParticipant(id: string, user: string) {
    return this.q.remove.run({ id, user }).changes > 0
  }
}
