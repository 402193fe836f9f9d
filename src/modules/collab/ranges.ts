// Monaco-style line/column ranges (1-based) of the shared document, to and from its UTF-16 offset edits.
import { invalid } from '../../core/errors.ts'
import type { Edit } from './shared-doc.ts'

export interface LineRange {
  startLineNumber: number
  startColumn: number
  endLineNumber: number
  endColumn: number
}
/** One change as an editor reports it (Monaco's IModelContentChange): the range it replaced and the new text. */
export interface RangeChange {
  range: LineRange
  rangeLength?: number
  text: string
}

/** The offset of a 1-based line and column in `text` (lines end at `\n`); a position outside the text is an error. */
export function offsetAt(text: string, line: number, column: number, what: string): number {
  let start = 0
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start)
    if (nl < 0) throw invalid(`${what}: line ${line} is past the last line (${l})`)
    start = nl + 1
  }
  const end = text.indexOf('\n', start)
  const length = (end < 0 ? text.length : end) - start
  if (column > length + 1) throw invalid(`${what}: column ${column} is past the end of line ${line} (${length + 1})`)
  return start + column - 1
}

/** The 1-based line and column of `offset` in `text`. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let start = 0
  for (let nl = text.indexOf('\n'); nl >= 0 && nl < offset; nl = text.indexOf('\n', start)) {
    line++
    start = nl + 1
  }
  return { line, column: offset - start + 1 }
}

/** Range changes → offset edits, each against the text the previous ones left (as edits are applied). */
export function editsOf(text: string, changes: RangeChange[]): Edit[] {
  let current = text
  return changes.map((c, i) => {
    const r = c.range
    const start = offsetAt(current, r.startLineNumber, r.startColumn, `change ${i} start`)
    const end = offsetAt(current, r.endLineNumber, r.endColumn, `change ${i} end`)
    if (end < start) throw invalid(`change ${i}: the range ends before it starts`)
    current = current.slice(0, start) + c.text + current.slice(end)
    return { start, end, text: c.text }
  })
}

/** Offset edits → range changes, each against the text the previous edits left (what an editor applies in turn). */
export function changesOf(text: string, edits: Edit[]): RangeChange[] {
  let current = text
  return edits.map((e) => {
    const from = positionOf(current, e.start)
    const to = positionOf(current, e.end)
    current = current.slice(0, e.start) + e.text + current.slice(e.end)
    return {
      range: { startLineNumber: from.line, startColumn: from.column, endLineNumber: to.line, endColumn: to.column },
      rangeLength: e.end - e.start,
      text: e.text,
    }
  })
}
