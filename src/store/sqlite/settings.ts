// Admin-managed settings table for the SQLite store.
import type { Database } from 'bun:sqlite'
import type { SettingRecord } from '../records.ts'
import type { SettingRepo } from '../store.ts'

export class SqliteSettings implements SettingRepo {
  private readonly q
  constructor(db: Database) {
    this.q = {
      get: db.query<SettingRecord, { key: string }>(
        'SELECT key, value, updated_by, updated_at FROM settings WHERE key = $key',
      ),
      put: db.query(
        `INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($key, $value, $updated_by, $updated_at)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      ),
    }
  }
  async get(key: string) {
    return this.q.get.get({ key })
  }
  async put(s: SettingRecord) {
    this.q.put.run({ ...s })
  }
}
