// Admin-managed settings table for the PostgreSQL store.
import type { SettingRecord } from '../records.ts'
import type { SettingRepo } from '../store.ts'
import { encode, type Pg } from './db.ts'

export class PgSettings implements SettingRepo {
  constructor(private readonly db: Pg) {}
  async get(key: string) {
    return this.db.one<SettingRecord>(
      this.db.sql`SELECT key, value, updated_by, updated_at FROM settings WHERE key = ${key}`,
    )
  }
  async put(s: SettingRecord) {
    await this.db.run(this.db.sql`INSERT INTO settings ${this.db.sql(encode(s))} ON CONFLICT (key) DO UPDATE
      SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`)
  }
}
