// The shared document's edit arithmetic: diff, apply, and rebasing one edit over another so both orders agree.
import { expect, test } from 'bun:test'
import { applyEdits, diff, mapOffset, rebase } from '../../web/lazy/text-edits.ts'

test('diff finds the one changed range and applying it gives the new text', () => {
  expect(diff('abc', 'abc')).toBeNull()
  expect(diff('hello world', 'hello brave world')).toEqual({ start: 6, end: 6, text: 'brave ' })
  expect(diff('aaa', 'aa')).toEqual({ start: 2, end: 3, text: '' })
  for (const [a, b] of [
    ['', 'x'],
    ['x', ''],
    ['abcdef', 'abXYef'],
    ['aaaa', 'aaaaaa'],
  ] as const)
    expect(applyEdits(a, [diff(a, b)!])).toBe(b)
})

test('rebase: an edit made alongside another lands where its author meant it', () => {
  const base = 'line one\n'
  const mine = { start: 0, end: 0, text: 'A ' } // typed at the start
  const theirs = { start: 9, end: 9, text: 'B' } // typed at the end
  expect(applyEdits(applyEdits(base, [theirs]), [rebase(mine, theirs)])).toBe('A line one\nB')
  expect(applyEdits(applyEdits(base, [mine]), [rebase(theirs, mine)])).toBe('A line one\nB')
  // two insertions at the same place: the rebased one goes after, nothing is swallowed
  const x = { start: 4, end: 4, text: 'X' }
  const y = { start: 4, end: 4, text: 'Y' }
  expect(applyEdits(applyEdits(base, [x]), [rebase(y, x)])).toBe('lineXY one\n')
  // a deletion that overlaps a replacement keeps the other's text
  const del = { start: 2, end: 7, text: '' }
  const rep = { start: 5, end: 8, text: 'ZZ' }
  expect(applyEdits(applyEdits(base, [rep]), [rebase(del, rep)])).toBe('liZZ\n')
})

test('mapOffset keeps offsets before an edit, shifts those after, moves those inside to its end', () => {
  const e = { start: 2, end: 4, text: 'xyz' }
  expect([0, 2, 3, 4, 6].map((o) => mapOffset(o, e))).toEqual([0, 2, 5, 5, 7])
})
