// Claude sessions and their participants for the PostgreSQL store.
import type { ParticipantRecord, SessionRecord } from '../records.ts'
import type { SessionRepo } from '../store.ts'
import { encode, pick, type Pg } from './db.ts'
import { SESSION_JSON, SESSION_UPDATABLE } from '../columns.ts'

export class PgSessions implements SessionRepo {
  constructor(private readonly db: Pg) {}

  /** Sessions of `ws` (or all) that `user` may see: owner, participant, workspace owner or member; null = all. */
  private visible(user: string | null, ws: string | null) {
    return this.db.sql`FROM sessions s JOIN workspaces w ON w.id = s.workspace_id
      WHERE (${ws}::text IS NULL OR s.workspace_id = ${ws}) AND (${user}::text IS NULL OR s.owner_id = ${user} OR w.owner_id = ${user}
        OR EXISTS (SELECT 1 FROM session_participants p WHERE p.session_id = s.id AND p.user_id = ${user})
        OR EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = s.workspace_id AND m.user_id = ${user}))`
  }
  async create(s: SessionRecord) {
    await this.db.run(this.db.sql`INSERT INTO sessions ${this.db.sql(encode(s, SESSION_JSON))}`)
  }
  async byId(id: string) {
    return this.db.one<SessionRecord>(this.db.sql`SELECT * FROM sessions WHERE id = ${id}`, SESSION_JSON)
  }
  async listVisible(user: string | null, opts: { workspaceId?: string; limit: number; offset: number }) {
    const { sql } = this.db
    const ws = opts.workspaceId ?? null
    const items = await this.db.all<SessionRecord>(
      sql`SELECT s.* ${this.visible(user, ws)} ORDER BY s.updated_at DESC, s.id DESC LIMIT ${opts.limit} OFFSET ${opts.offset}`,
      SESSION_JSON,
    )
    const total = await this.db.one<{ n: number }>(sql`SELECT COUNT(*)::int AS n ${this.visible(user, ws)}`)
    return { items, total: total!.n }
  }
  async update(id: string, patch: Partial<Omit<SessionRecord, 'id' | 'created_at'>>) {
    const set = pick(patch, SESSION_UPDATABLE, SESSION_JSON)
    if (set) await this.db.run(this.db.sql`UPDATE sessions SET ${this.db.sql(set)} WHERE id = ${id}`)
    return this.byId(id)
  }
  async participants(id: string) {
    return this.db.all<ParticipantRecord>(
      this.db.sql`SELECT * FROM session_participants WHERE session_id = ${id} ORDER BY created_at`,
    )
  }
  async participant(id: string, user: string) {
    return this.db.one<ParticipantRecord>(
      this.db.sql`SELECT * FROM session_participants WHERE session_id = ${id} AND user_id = ${user}`,
    )
  }
  async putParticipant(p: ParticipantRecord) {
    await this.db.run(this.db.sql`INSERT INTO session_participants ${this.db.sql(encode(p))}
      ON CONFLICT (session_id, user_id) DO UPDATE SET role = excluded.role`)
  }
  async removeParticipant(id: string, user: string) {
    const q = this.db.sql`DELETE FROM session_participants WHERE session_id = ${id} AND user_id = ${user}`
    return (await this.db.run(q)) > 0
  }
}
