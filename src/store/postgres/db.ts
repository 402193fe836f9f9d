// Runs Bun.SQL queries for the PostgreSQL store: rows as records, and PostgreSQL errors as the Store contract's errors.
import type { SQL, TransactionSQL } from 'bun'
import { StoreConflict, StoreUnavailable } from '../store.ts'

export type Row = Record<string, unknown>
type Tx = TransactionSQL

/** Columns kept as BIGINT (ms epochs, seqs, sizes): Bun.SQL gives int8 as strings, records want numbers. */
const BIGINT = new Set([
  'created_at',
  'updated_at',
  'closed_at',
  'started_at',
  'finished_at',
  'last_used_at',
  'expires_at',
  'revoked_at',
  'decided_at',
  'tokens_valid_after',
  'ts',
  'seq',
  'head',
  'size',
])

// Bun's own codes when no connection could be made or it broke; SQLSTATE 08 (connection) and 57P (shutting down)
const UNAVAILABLE_CODE = /^ERR_POSTGRES_(CONNECTION|IDLE_TIMEOUT|LIFETIME_TIMEOUT|TLS|UNSUPPORTED_AUTH)/
const UNAVAILABLE_STATE = /^(08|57P0)/

/** The contract's errors for what PostgreSQL reports; anything else is returned as it is. */
export function translate(err: unknown): unknown {
  if (err instanceof StoreConflict || err instanceof StoreUnavailable) return err
  const e = err as { code?: unknown; errno?: unknown; detail?: unknown; message?: unknown }
  if (e?.errno === '23505') return new StoreConflict(String(e.detail ?? e.message))
  if ((typeof e?.code === 'string' && UNAVAILABLE_CODE.test(e.code)) || UNAVAILABLE_STATE.test(String(e?.errno)))
    return new StoreUnavailable(`PostgreSQL is unreachable (${String(e.message)})`, { cause: err })
  return err
}

/** A record from a row: BIGINT columns as numbers, `json` columns parsed. */
export function decode<T>(row: Row, json: readonly string[] = []): T {
  const out: Row = {}
  for (const [k, v] of Object.entries(row)) {
    out[k] =
      typeof v === 'string' && (BIGINT.has(k) || json.includes(k)) ? (json.includes(k) ? JSON.parse(v) : Number(v)) : v
  }
  return out as T
}

/** A row from a record: `json` fields serialised, undefined fields left out. */
export function encode(record: object, json: readonly string[] = []): Row {
  const out: Row = {}
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue
    out[k] = json.includes(k) && v !== null ? JSON.stringify(v) : v
  }
  return out
}

/** The whitelisted fields of `patch` that are set (only these column names reach SQL), encoded. */
export function pick(patch: object, cols: readonly string[], json: readonly string[] = []) {
  const p = patch as Record<string, unknown>
  const row = encode(Object.fromEntries(cols.filter((c) => c in p).map((c) => [c, p[c] ?? null])), json)
  return Object.keys(row).length ? row : null
}

export class Pg {
  constructor(readonly sql: SQL) {}

  async all<T>(query: PromiseLike<Row[]>, json?: readonly string[]): Promise<T[]> {
    return (await this.exec(query)).map((r) => decode<T>(r, json))
  }
  async one<T>(query: PromiseLike<Row[]>, json?: readonly string[]): Promise<T | null> {
    const [row] = await this.exec(query)
    return row ? decode<T>(row, json) : null
  }
  /** Rows affected. */
  async run(query: PromiseLike<Row[]>): Promise<number> {
    return ((await this.exec(query)) as Row[] & { count: number }).count
  }
  /** A transaction: committed when `fn` resolves, rolled back when it throws. */
  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.exec(this.sql.begin(fn) as PromiseLike<T>)
  }
  private async exec<T>(query: PromiseLike<T>): Promise<T> {
    try {
      return await query
    } catch (err) {
      throw translate(err)
    }
  }
}
