// Permission requests for the PostgreSQL store: first answer wins through a conditional UPDATE … RETURNING.
import type { PermissionRecord } from '../records.ts'
import type { PermissionRepo } from '../store.ts'
import { encode, pick, type Pg } from './db.ts'
import { PERMISSION_JSON } from '../columns.ts'

type Outcome = Parameters<PermissionRepo['settle']>[1]
const OUTCOME = ['status', 'scope', 'response', 'message', 'decided_by', 'decided_by_name', 'decided_at'] as const

export class PgPermissions implements PermissionRepo {
  constructor(private readonly db: Pg) {}
  async create(p: PermissionRecord) {
    await this.db.run(this.db.sql`INSERT INTO permissions ${this.db.sql(encode(p, PERMISSION_JSON))}`)
  }
  async byId(id: string) {
    return this.db.one<PermissionRecord>(this.db.sql`SELECT * FROM permissions WHERE id = ${id}`, PERMISSION_JSON)
  }
  async byCliId(executionId: string, cliRequestId: string) {
    return this.db.one<PermissionRecord>(
      this.db.sql`SELECT * FROM permissions WHERE execution_id = ${executionId} AND cli_request_id = ${cliRequestId}
        ORDER BY created_at DESC LIMIT 1`,
      PERMISSION_JSON,
    )
  }
  async pending(f: { sessionId?: string; executionId?: string }) {
    const [s, e] = [f.sessionId ?? null, f.executionId ?? null]
    return this.db.all<PermissionRecord>(
      this.db.sql`SELECT * FROM permissions WHERE status = 'pending' AND (${s}::text IS NULL OR session_id = ${s})
        AND (${e}::text IS NULL OR execution_id = ${e}) ORDER BY created_at, id`,
      PERMISSION_JSON,
    )
  }
  async settle(id: string, o: Outcome) {
    // the row lock makes concurrent settles wait; the loser re-checks status = 'pending' and changes nothing
    const set = pick(o, OUTCOME, PERMISSION_JSON)!
    return this.db.one<PermissionRecord>(
      this.db.sql`UPDATE permissions SET ${this.db.sql(set)} WHERE id = ${id} AND status = 'pending' RETURNING *`,
      PERMISSION_JSON,
    )
  }
  async expireAll(message: string, at: number) {
    return this.db.all<PermissionRecord>(
      this.db.sql`UPDATE permissions SET status = 'expired', message = ${message}, decided_at = ${at}
        WHERE status = 'pending' RETURNING *`,
      PERMISSION_JSON,
    )
  }
}
