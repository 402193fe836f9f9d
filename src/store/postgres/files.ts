// Uploaded files, share links and shared session documents for the PostgreSQL store.
import type { FileRecord, SessionDocRecord, ShareLinkRecord } from '../records.ts'
import type { FileRepo, SessionDocRepo, ShareLinkRepo } from '../store.ts'
import { encode, type Pg } from './db.ts'

export class PgFiles implements FileRepo {
  constructor(private readonly db: Pg) {}

  private filtered(session: string | null, workspace: string | null) {
    return this.db
      .sql`FROM files WHERE (${session}::text IS NULL OR session_id = ${session}) AND (${workspace}::text IS NULL OR workspace_id = ${workspace})`
  }
  async create(f: FileRecord) {
    await this.db.run(this.db.sql`INSERT INTO files ${this.db.sql(encode(f))}`)
  }
  async byId(id: string) {
    return this.db.one<FileRecord>(this.db.sql`SELECT * FROM files WHERE id = ${id}`)
  }
  async list(f: { sessionId?: string; workspaceId?: string; limit: number; offset: number }) {
    const { sql } = this.db
    const [s, w] = [f.sessionId ?? null, f.workspaceId ?? null]
    const items = await this.db.all<FileRecord>(
      sql`SELECT * ${this.filtered(s, w)} ORDER BY created_at DESC, id DESC LIMIT ${f.limit} OFFSET ${f.offset}`,
    )
    const total = await this.db.one<{ n: number }>(sql`SELECT COUNT(*)::int AS n ${this.filtered(s, w)}`)
    return { items, total: total!.n }
  }
  async delete(id: string) {
    return (await this.db.run(this.db.sql`DELETE FROM files WHERE id = ${id}`)) > 0
  }
}

export class PgShareLinks implements ShareLinkRepo {
  constructor(private readonly db: Pg) {}
  async create(l: ShareLinkRecord) {
    await this.db.run(this.db.sql`INSERT INTO share_links ${this.db.sql(encode(l))}`)
  }
  async byId(id: string) {
    return this.db.one<ShareLinkRecord>(this.db.sql`SELECT * FROM share_links WHERE id = ${id}`)
  }
  async byTokenHash(hash: string) {
    return this.db.one<ShareLinkRecord>(this.db.sql`SELECT * FROM share_links WHERE token_hash = ${hash}`)
  }
  async listForSession(sessionId: string) {
    return this.db.all<ShareLinkRecord>(
      this.db.sql`SELECT * FROM share_links WHERE session_id = ${sessionId} ORDER BY created_at DESC`,
    )
  }
  async revoke(id: string, at: number) {
    const q = this.db.sql`UPDATE share_links SET revoked_at = ${at} WHERE id = ${id} AND revoked_at IS NULL`
    return (await this.db.run(q)) > 0
  }
  async countUse(id: string) {
    await this.db.run(this.db.sql`UPDATE share_links SET uses = uses + 1 WHERE id = ${id}`)
  }
}

export class PgSessionDocs implements SessionDocRepo {
  constructor(private readonly db: Pg) {}
  async get(sessionId: string) {
    return this.db.one<SessionDocRecord>(this.db.sql`SELECT * FROM session_docs WHERE session_id = ${sessionId}`)
  }
  async put(doc: SessionDocRecord, expected: number) {
    const { sql } = this.db
    if (expected === 0)
      return (await this.db.run(sql`INSERT INTO session_docs ${sql(encode(doc))} ON CONFLICT DO NOTHING`)) > 0
    const q = sql`UPDATE session_docs SET version = ${doc.version}, text = ${doc.text}, language = ${doc.language},
      updated_by = ${doc.updated_by}, updated_at = ${doc.updated_at} WHERE session_id = ${doc.session_id} AND version = ${expected}`
    return (await this.db.run(q)) > 0
  }
}
