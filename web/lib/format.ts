// Small formatting helpers: money, token counts, relative times, workspace-relative paths.
export const cost = (usd: number | null | undefined): string =>
  usd == null ? '' : `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}`

export const tokens = (n: number | undefined): string =>
  n === undefined ? '0' : n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n)

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return ''
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 60) return 'just now'
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`
  return new Date(iso).toLocaleDateString()
}

export const bytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1_048_576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1_048_576).toFixed(1)} MB`

/** A path inside `dir` relative to it (the absolute workspace prefix is noise to a reader); any other path as it is. */
export function relativeTo(path: string, dir: string | null): string {
  if (!dir) return path
  const base = dir.endsWith('/') ? dir : `${dir}/`
  return path.startsWith(base) ? path.slice(base.length) : path
}
