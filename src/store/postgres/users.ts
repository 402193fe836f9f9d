// Users table access for the PostgreSQL store.
import type { UserRecord } from '../records.ts'
import type { UserRepo } from '../store.ts'
import { encode, pick, type Pg } from './db.ts'
import { deleteHandingOver, soleWorkspaces } from './user-removal.ts'
import { USER_UPDATABLE } from '../columns.ts'

export class PgUsers implements UserRepo {
  constructor(private readonly db: Pg) {}

  async create(u: UserRecord) {
    await this.db.run(this.db.sql`INSERT INTO users ${this.db.sql(encode(u))}`)
  }
  async byId(id: string) {
    return this.db.one<UserRecord>(this.db.sql`SELECT * FROM users WHERE id = ${id}`)
  }
  async byUsername(username: string) {
    return this.db.one<UserRecord>(this.db.sql`SELECT * FROM users WHERE lower(username) = lower(${username})`)
  }
  async list(opts: { limit: number; offset: number }) {
    const items = await this.db.all<UserRecord>(
      this.db.sql`SELECT * FROM users ORDER BY created_at, id LIMIT ${opts.limit} OFFSET ${opts.offset}`,
    )
    return { items, total: await this.count() }
  }
  async count() {
    return (await this.db.one<{ n: number }>(this.db.sql`SELECT COUNT(*)::int AS n FROM users`))!.n
  }
  async update(id: string, patch: Partial<Omit<UserRecord, 'id' | 'created_at'>>) {
    const set = pick(patch, USER_UPDATABLE)
    if (set) await this.db.run(this.db.sql`UPDATE users SET ${this.db.sql(set)} WHERE id = ${id}`)
    return this.byId(id)
  }
  async delete(id: string) {
    return (await this.db.run(this.db.sql`DELETE FROM users WHERE id = ${id}`)) > 0
  }
  async soleWorkspaces(id: string) {
    return soleWorkspaces(this.db, id)
  }
  async deleteHandingOver(id: string, heir: string, at: number) {
    return deleteHandingOver(this.db, id, heir, at)
  }
}
