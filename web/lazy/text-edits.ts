// Range edits on plain text (UTF-16 offsets, end exclusive, as code_change carries them): apply, diff, rebase.

export interface Edit {
  start: number
  end: number
  text: string
}

/** Each edit refers to the text the previous one left, as the server applies them. */
export function applyEdits(text: string, edits: Edit[]): string {
  for (const e of edits) text = text.slice(0, e.start) + e.text + text.slice(e.end)
  return text
}

/** The one edit that turns `a` into `b` (common prefix and suffix kept), or null when they are equal. */
export function diff(a: string, b: string): Edit | null {
  if (a === b) return null
  let p = 0
  const max = Math.min(a.length, b.length)
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++
  let s = 0
  while (s < max - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++
  return { start: p, end: a.length - s, text: b.slice(p, b.length - s) }
}

/** Where an offset lands once `e` is applied: before the edit it stays, after it shifts, inside it goes to its end. */
export function mapOffset(o: number, e: Edit): number {
  if (o <= e.start) return o
  if (o >= e.end) return o + e.text.length - (e.end - e.start)
  return e.start + e.text.length
}

/**
 * `p`, made against the same text as `r`, moved to apply after `r`. Where they partly overlap, r's text stays (p stops
 * before it or starts after it); a p that spans all of r replaces r's text too.
 */
export function rebase(p: Edit, r: Edit): Edit {
  const delta = r.text.length - (r.end - r.start)
  const after = r.start + r.text.length
  // at the same place as an insertion of r, p goes after it (so p never swallows r's text)
  const start = p.start < r.start ? p.start : p.start >= r.end ? p.start + delta : after
  const end = p.end <= r.start ? p.end : p.end >= r.end ? p.end + delta : r.start
  return { start, end: Math.max(start, end), text: p.text }
}

export function sameEdits(a: Edit[], b: Edit[]): boolean {
  return (
    a.length === b.length && a.every((e, i) => e.start === b[i]!.start && e.end === b[i]!.end && e.text === b[i]!.text)
  )
}
