// API key and revoked-token tables for the PostgreSQL store.
import type { ApiKeyRecord } from '../records.ts'
import type { ApiKeyRepo, RevokedTokenRepo } from '../store.ts'
import { encode, type Pg } from './db.ts'

export class PgApiKeys implements ApiKeyRepo {
  constructor(private readonly db: Pg) {}
  async create(k: ApiKeyRecord) {
    await this.db.run(this.db.sql`INSERT INTO api_keys ${this.db.sql(encode(k))}`)
  }
  async byHash(hash: string) {
    return this.db.one<ApiKeyRecord>(this.db.sql`SELECT * FROM api_keys WHERE key_hash = ${hash}`)
  }
  async listForUser(userId: string) {
    return this.db.all<ApiKeyRecord>(
      this.db.sql`SELECT * FROM api_keys WHERE user_id = ${userId} ORDER BY created_at DESC`,
    )
  }
  async revoke(id: string, userId: string, at: number) {
    const q = this.db
      .sql`UPDATE api_keys SET revoked_at = ${at} WHERE id = ${id} AND user_id = ${userId} AND revoked_at IS NULL`
    return (await this.db.run(q)) > 0
  }
  async touch(id: string, at: number) {
    await this.db.run(this.db.sql`UPDATE api_keys SET last_used_at = ${at} WHERE id = ${id}`)
  }
}

export class PgRevokedTokens implements RevokedTokenRepo {
  constructor(private readonly db: Pg) {}
  async add(jti: string, expiresAt: number) {
    await this.db.run(
      this.db.sql`INSERT INTO revoked_tokens (jti, expires_at) VALUES (${jti}, ${expiresAt}) ON CONFLICT DO NOTHING`,
    )
  }
  async active(now: number) {
    const rows = await this.db.all<{ jti: string }>(
      this.db.sql`SELECT jti FROM revoked_tokens WHERE expires_at > ${now}`,
    )
    return rows.map((r) => r.jti)
  }
  async prune(now: number) {
    return this.db.run(this.db.sql`DELETE FROM revoked_tokens WHERE expires_at <= ${now}`)
  }
}
