// API key and revoked-token tables for the SQLite store.
import type { Database } from 'bun:sqlite'
import type { ApiKeyRecord } from '../records.ts'
import type { ApiKeyRepo, RevokedTokenRepo } from '../store.ts'
import { insertUnique } from './constraint.ts'

export class SqliteApiKeys implements ApiKeyRepo {
  private readonly q
  constructor(db: Database) {
    this.q = {
      insert: db.query(
        `INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at, last_used_at, expires_at, revoked_at)
         VALUES ($id, $user_id, $name, $prefix, $key_hash, $created_at, $last_used_at, $expires_at, $revoked_at)`,
      ),
      byHash: db.query<ApiKeyRecord, { key_hash: string }>('SELECT * FROM api_keys WHERE key_hash = $key_hash'),
      forUser: db.query<ApiKeyRecord, { user_id: string }>(
        'SELECT * FROM api_keys WHERE user_id = $user_id ORDER BY created_at DESC',
      ),
      revoke: db.query(
        'UPDATE api_keys SET revoked_at = $at WHERE id = $id AND user_id = $user_id AND revoked_at IS NULL',
      ),
      touch: db.query('UPDATE api_keys SET last_used_at = $at WHERE id = $id'),
    }
  }
  async create(k: ApiKeyRecord) {
    insertUnique(() => this.q.insert.run({ ...k }), `api key ${k.id} (or its hash)`)
  }
  async byHash(key_hash: string) {
    return this.q.byHash.get({ key_hash })
  }
  async listForUser(user_id: string) {
    return this.q.forUser.all({ user_id })
  }
  async revoke(id: string, user_id: string, at: number) {
    return this.q.revoke.run({ id, user_id, at }).changes > 0
  }
  async touch(id: string, at: number) {
    this.q.touch.run({ id, at })
  }
}

export class SqliteRevokedTokens implements RevokedTokenRepo {
  private readonly q
  constructor(db: Database) {
    this.q = {
      add: db.query('INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES ($jti, $expires_at)'),
      active: db.query<{ jti: string }, { now: number }>('SELECT jti FROM revoked_tokens WHERE expires_at > $now'),
      prune: db.query('DELETE FROM revoked_tokens WHERE expires_at <= $now'),
    }
  }
  async add(jti: string, expires_at: number) {
    this.q.add.run({ jti, expires_at })
  }
  async active(now: number) {
    return this.q.active.all({ now }).map((r) => r.jti)
  }
  async prune(now: number) {
    return this.q.prune.run({ now }).changes
  }
}
