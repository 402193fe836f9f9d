// Uploaded files, share links and shared session documents for the SQLite store.
import type { Database } from 'bun:sqlite'
import type { FileRecord, SessionDocRecord, ShareLinkRecord } from '../records.ts'
import type { FileRepo, SessionDocRepo, ShareLinkRepo } from '../store.ts'
import { insertUnique } from './constraint.ts'

type Filter = { session: string | null; workspace: string | null }
const WHERE = 'WHERE ($session IS NULL OR session_id = $session) AND ($workspace IS NULL OR workspace_id = $workspace)'

export class SqliteFiles implements FileRepo {
  private readonly q
  constructor(db: Database) {
    this.q = {
      insert:
        db.query(`INSERT INTO files (id, owner_id, workspace_id, session_id, name, path, size, content_type, sha256, created_at)
        VALUES ($id, $owner_id, $workspace_id, $session_id, $name, $path, $size, $content_type, $sha256, $created_at)`),
      byId: db.query<FileRecord, { id: string }>('SELECT * FROM files WHERE id = $id'),
      list: db.query<FileRecord, Filter & { limit: number; offset: number }>(
        `SELECT * FROM files ${WHERE} ORDER BY created_at DESC, id DESC LIMIT $limit OFFSET $offset`,
      ),
      count: db.query<{ n: number }, Filter>(`SELECT COUNT(*) AS n FROM files ${WHERE}`),
      del: db.query('DELETE FROM files WHERE id = $id'),
    }
  }
  async create(f: FileRecord) {
    insertUnique(() => this.q.insert.run({ ...f }), `file ${f.id}`)
  }
  async byId(id: string) {
    return this.q.byId.get({ id })
  }
  async list(f: { sessionId?: string; workspaceId?: string; limit: number; offset: number }) {
    const filter = { session: f.sessionId ?? null, workspace: f.workspaceId ?? null }
    return {
      items: this.q.list.all({ ...filter, limit: f.limit, offset: f.offset }),
      total: this.q.count.get(filter)!.n,
    }
  }
  async delete(id: string) {
    return this.q.del.run({ id }).changes > 0
  }
}

export class SqliteShareLinks implements ShareLinkRepo {
  private readonly q
  constructor(db: Database) {
    this.q = {
      insert:
        db.query(`INSERT INTO share_links (id, session_id, token_hash, role, created_by, created_at, expires_at, revoked_at, uses)
        VALUES ($id, $session_id, $token_hash, $role, $created_by, $created_at, $expires_at, $revoked_at, $uses)`),
      byId: db.query<ShareLinkRecord, { id: string }>('SELECT * FROM share_links WHERE id = $id'),
      byHash: db.query<ShareLinkRecord, { h: string }>('SELECT * FROM share_links WHERE token_hash = $h'),
      list: db.query<ShareLinkRecord, { s: string }>(
        'SELECT * FROM share_links WHERE session_id = $s ORDER BY created_at DESC',
      ),
      revoke: db.query('UPDATE share_links SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL'),
      use: db.query('UPDATE share_links SET uses = uses + 1 WHERE id = $id'),
    }
  }
  async create(l: ShareLinkRecord) {
    insertUnique(() => this.q.insert.run({ ...l }), `share link ${l.id} (or its token)`)
  }
  async byId(id: string) {
    return this.q.byId.get({ id })
  }
  async byTokenHash(h: string) {
    return this.q.byHash.get({ h })
  }
  async listForSession(s: string) {
    return this.q.list.all({ s })
  }
  async revoke(id: string, at: number) {
    return this.q.revoke.run({ id, at }).changes > 0
  }
  async countUse(id: string) {
    this.q.use.run({ id })
  }
}

export class SqliteSessionDocs implements SessionDocRepo {
  private readonly q
  constructor(db: Database) {
    this.q = {
      get: db.query<SessionDocRecord, { s: string }>('SELECT * FROM session_docs WHERE session_id = $s'),
      insert: db.query(`INSERT OR IGNORE INTO session_docs (session_id, version, text, language, updated_by, updated_at)
        VALUES ($session_id, $version, $text, $language, $updated_by, $updated_at)`),
      update:
        db.query(`UPDATE session_docs SET version = $version, text = $text, language = $language, updated_by = $updated_by, updated_at = $updated_at
        WHERE session_id = $session_id AND version = $expected`),
    }
  }
  async get(s: string) {
    return this.q.get.get({ s })
  }
  async put(doc: SessionDocRecord, expected: number) {
    if (expected === 0) return this.q.insert.run({ ...doc }).changes > 0
    return this.q.update.run({ ...doc, expected }).changes > 0
  }
}
