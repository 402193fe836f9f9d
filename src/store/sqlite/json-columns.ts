// Converts records with JSON and boolean fields to SQLite rows and back.
type Row = Record<string, unknown>

export function toRow(record: Row, jsonCols: readonly string[]): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {}
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue
    if (jsonCols.includes(k)) out[k] = v === null ? null : JSON.stringify(v)
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0
    else out[k] = v as string | number | null
  }
  return out
}

export function fromRow<T>(row: Row | null, jsonCols: readonly string[]): T | null {
  if (!row) return null
  const out: Row = { ...row }
  for (const c of jsonCols) if (typeof out[c] === 'string') out[c] = JSON.parse(out[c] as string)
  return out as T
}

/** `UPDATE table SET a = $a, … WHERE id = $id` for the given columns; only whitelisted column names reach SQL. */
export function updateSql(table: string, cols: readonly string[], patch: Row): { sql: string; keys: string[] } | null {
  const keys = cols.filter((c) => c in patch)
  if (!keys.length) return null
  return { sql: `UPDATE ${table} SET ${keys.map((k) => `${k} = $${k}`).join(', ')} WHERE id = $id`, keys }
}
