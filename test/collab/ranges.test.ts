// Editor line/column ranges ↔ offset edits of the shared document (pure functions of collab/ranges.ts).
import { describe, expect, test } from 'bun:test'
import { changesOf, editsOf, offsetAt, positionOf } from '../../src/modules/collab/ranges.ts'

const range = (sl: number, sc: number, el: number, ec: number) => ({
  startLineNumber: sl,
  startColumn: sc,
  endLineNumber: el,
  endColumn: ec,
})

describe('ranges', () => {
  test('offsets and positions are inverse, lines and columns from 1, a line end included', () => {
    const text = 'ab\ncde\n\nf'
    for (let o = 0; o <= text.length; o++) {
      const p = positionOf(text, o)
      expect(offsetAt(text, p.line, p.column, 'x')).toBe(o)
    }
    expect(positionOf(text, 3)).toEqual({ line: 2, column: 1 })
    expect(positionOf(text, 7)).toEqual({ line: 3, column: 1 }) // the empty line
    expect(positionOf(text, 8)).toEqual({ line: 4, column: 1 })
    expect(() => offsetAt(text, 5, 1, 'start')).toThrow('line 5')
    expect(() => offsetAt(text, 1, 4, 'start')).toThrow('column 4')
  })

  test('changes apply in order, each against the text the previous left, and come back as the same ranges', () => {
    const text = 'let a = 1\nlet b = 2'
    const changes = [
      { range: range(2, 9, 2, 10), rangeLength: 1, text: '3' },
      { range: range(1, 1, 1, 1), rangeLength: 0, text: '// top\n' },
      { range: range(1, 1, 2, 1), rangeLength: 7, text: '' },
    ]
    const edits = editsOf(text, changes)
    expect(edits).toEqual([
      { start: 18, end: 19, text: '3' },
      { start: 0, end: 0, text: '// top\n' },
      { start: 0, end: 7, text: '' },
    ])
    expect(changesOf(text, edits)).toEqual(changes)
    expect(() => editsOf(text, [{ range: range(2, 1, 1, 1), text: '' }])).toThrow('ends before it starts')
  })
})
