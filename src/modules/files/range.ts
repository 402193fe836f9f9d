// HTTP Range (RFC 9110 §14) for one byte range: satisfiable, unsatisfiable (416) or ignored (serve it all).
export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' }

/**
 * `bytes=a-b`, `bytes=a-` or `bytes=-n` against a representation of `size` bytes. A header we do not understand,
 * or several ranges, is ignored (the whole file is served, as the RFC allows); a single range that starts
 * beyond the end, or a zero-length suffix, is unsatisfiable.
 */
export function parseRange(header: string | null, size: number): RangeResult {
  if (!header) return { kind: 'full' }
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' }
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const last = m[2] === '' ? Infinity : Number(m[2])
  if (!Number.isSafeInteger(start) || last < start) return { kind: 'full' }
  if (start >= size) return { kind: 'unsatisfiable' }
  return { kind: 'partial', start, end: Math.min(last, size - 1) }
}
