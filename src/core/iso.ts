// Times as the API and the wire show them: ISO 8601 text of epoch milliseconds (null stays null).
export function iso(ms: number): string
export function iso(ms: number | null): string | null
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
