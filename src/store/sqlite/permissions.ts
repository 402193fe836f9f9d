// Permission requests for the SQLite store: first answer wins through a conditional UPDATE.
import type { Database } from 'bun:sqlite'
import type { PermissionRecord } from '../records.ts'
import type { PermissionRepo } from '../store.ts'
import { insertUnique } from './constraint.ts'
import { fromRow, toRow } from './json-columns.ts'
import { PERMISSION_JSON } from '../columns.ts'

type Row = Record<string, unknown>
type Outcome = Parameters<PermissionRepo['settle']>[1]

export class SqlitePermissions implements PermissionRepo {
  private readonly q
  constructor(db: Database) {
    this.q = {
      insert:
        db.query(`INSERT INTO permissions (id, cli_request_id, session_id, execution_id, kind, tool_name, tool_use_id, input, request, status, scope,
          response, message, decided_by, decided_by_name, decided_at, created_at, expires_at)
        VALUES ($id, $cli_request_id, $session_id, $execution_id, $kind, $tool_name, $tool_use_id, $input, $request, $status, $scope,
          $response, $message, $decided_by, $decided_by_name, $decided_at, $created_at, $expires_at)`),
      byId: db.query<Row, { id: string }>('SELECT * FROM permissions WHERE id = $id'),
      byCliId: db.query<Row, { e: string; c: string }>(
        'SELECT * FROM permissions WHERE execution_id = $e AND cli_request_id = $c ORDER BY created_at DESC LIMIT 1',
      ),
      pending: db.query<Row, { s: string | null; e: string | null }>(
        `SELECT * FROM permissions WHERE status = 'pending' AND ($s IS NULL OR session_id = $s) AND ($e IS NULL OR execution_id = $e) ORDER BY created_at, id`,
      ),
      // RETURNING gives the row only to the statement that changed it: the atomic first-wins
      settle: db.query<
        Row,
        Record<string, string | number | null>
      >(`UPDATE permissions SET status = $status, scope = $scope, response = $response, message = $message,
          decided_by = $decided_by, decided_by_name = $decided_by_name, decided_at = $decided_at WHERE id = $id AND status = 'pending' RETURNING *`),
      expire: db.query<Row, { message: string; at: number }>(
        `UPDATE permissions SET status = 'expired', message = $message, decided_at = $at WHERE status = 'pending' RETURNING *`,
      ),
    }
  }
  async create(p: PermissionRecord) {
    insertUnique(() => this.q.insert.run(toRow({ ...p }, PERMISSION_JSON)), `permission ${p.id}`)
  }
  async byId(id: string) {
    return fromRow<PermissionRecord>(this.q.byId.get({ id }), PERMISSION_JSON)
  }
  async byCliId(executionId: string, cliRequestId: string) {
    return fromRow<PermissionRecord>(this.q.byCliId.get({ e: executionId, c: cliRequestId }), PERMISSION_JSON)
  }
  async pending(f: { sessionId?: string; executionId?: string }) {
    return this.q.pending
      .all({ s: f.sessionId ?? null, e: f.executionId ?? null })
      .map((r) => fromRow<PermissionRecord>(r, PERMISSION_JSON)!)
  }
  async settle(id: string, o: Outcome) {
    return fromRow<PermissionRecord>(this.q.settle.get({ id, ...toRow({ ...o }, PERMISSION_JSON) }), PERMISSION_JSON)
  }
  async expireAll(message: string, at: number) {
    return this.q.expire.all({ message, at }).map((r) => fromRow<PermissionRecord>(r, PERMISSION_JSON)!)
  }
}
