// Users table access for the SQLite store.
import type { Database } from 'bun:sqlite'
import type { UserRecord } from '../records.ts'
import { StoreConflict, type UserRepo } from '../store.ts'
import { isUniqueViolation } from './constraint.ts'
import { deleteHandingOver, soleWorkspaces } from './user-removal.ts'
import { USER_UPDATABLE } from '../columns.ts'

type Row = Omit<UserRecord, 'disabled'> & { disabled: number }
const toRecord = (r: Row | null): UserRecord | null => (r ? { ...r, disabled: r.disabled === 1 } : null)

export class SqliteUsers implements UserRepo {
  private readonly q
  constructor(private readonly db: Database) {
    this.q = {
      insert: db.query(
        `INSERT INTO users (id, username, password_hash, role, display_name, email, disabled, tokens_valid_after, created_at, updated_at)
         VALUES ($id, $username, $password_hash, $role, $display_name, $email, $disabled, $tokens_valid_after, $created_at, $updated_at)`,
      ),
      byId: db.query<Row, { id: string }>('SELECT * FROM users WHERE id = $id'),
      byName: db.query<Row, { username: string }>('SELECT * FROM users WHERE username = $username'),
      list: db.query<Row, { limit: number; offset: number }>(
        'SELECT * FROM users ORDER BY created_at, id LIMIT $limit OFFSET $offset',
      ),
      count: db.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM users'),
      del: db.query('DELETE FROM users WHERE id = $id'),
    }
  }

  async create(u: UserRecord) {
    try {
      this.q.insert.run({ ...u, disabled: u.disabled ? 1 : 0 })
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreConflict(`username ${u.username} is taken`)
      throw err
    }
  }
  async byId(id: string) {
    return toRecord(this.q.byId.get({ id }))
  }
  async byUsername(username: string) {
    return toRecord(this.q.byName.get({ username }))
  }
  async list(opts: { limit: number; offset: number }) {
    const items = this.q.list.all(opts).map((r) => toRecord(r)!)
    return { items, total: this.q.count.get()!.n }
  }
  async count() {
    return this.q.count.get()!.n
  }
  async update(id: string, patch: Partial<Omit<UserRecord, 'id' | 'created_at'>>) {
    const sets: string[] = []
    const params: Record<string, string | number | null> = { id }
    for (const col of USER_UPDATABLE) {
      if (!(col in patch)) continue
      const v = patch[col]
      sets.push(`${col} = $${col}`)
      params[col] = typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null)
    }
    if (sets.length) {
      try {
        this.db.query(`UPDATE users SET ${sets.join(', ')} WHERE id = $id`).run(params)
      } catch (err) {
        if (isUniqueViolation(err)) throw new StoreConflict('username is taken')
        throw err
      }
    }
    return this.byId(id)
  }
  async delete(id: string) {
    return this.q.del.run({ id }).changes > 0
  }
  async soleWorkspaces(id: string) {
    return soleWorkspaces(this.db, id)
  }
  async deleteHandingOver(id: string, heir: string, at: number) {
    return deleteHandingOver(this.db, id, heir, at)
  }
}
