// The replay ring: bounded by frames per channel, by channels and by total size, evicting the least recently written.
import { expect, test } from 'bun:test'
import { RecentRing } from '../../src/modules/realtime/recent-ring.ts'

const frame = (seq: number, chars = 10) => ({ seq, frame: 'x'.repeat(chars) })
const seqs = (r: RecentRing, channel: string, upTo: number) => r.after(channel, 0, upTo)?.map((f) => f.seq) ?? null

test('a channel keeps between perChannel and 2 x perChannel frames, contiguous up to the newest', () => {
  const r = new RecentRing(4, 10)
  for (let i = 1; i <= 8; i++) r.push('a', frame(i))
  expect(seqs(r, 'a', 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  r.push('a', frame(9)) // the 9th frame trims back to 4
  expect(r.after('a', 5, 9)!.map((f) => f.seq)).toEqual([6, 7, 8, 9])
  expect(r.after('a', 4, 9)).toBeNull() // 5 went with the trim: the store must serve it
  expect(r.after('a', 9, 9)).toEqual([])
  expect(r.size).toBe(40)
})

test('over maxChannels the least recently written channel goes', () => {
  const r = new RecentRing(4, 2)
  r.push('a', frame(1))
  r.push('b', frame(1))
  r.push('a', frame(2)) // a is now the most recent
  r.push('c', frame(1))
  expect(seqs(r, 'b', 1)).toBeNull()
  expect(seqs(r, 'a', 2)).toEqual([1, 2])
  expect(seqs(r, 'c', 1)).toEqual([1])
  expect(r.size).toBe(30)
})

test('over the size budget whole rings go, least recently written first; the size stays exact', () => {
  const r = new RecentRing(100, 100, 1000)
  for (let i = 1; i <= 3; i++) r.push('old', frame(i, 100))
  for (let i = 1; i <= 3; i++) r.push('mid', frame(i, 100))
  for (let i = 1; i <= 3; i++) r.push('new', frame(i, 100))
  expect(r.size).toBe(900)
  r.push('mid', frame(4, 200)) // 1100 > 1000: 'old' (least recently written) goes, 'mid' keeps everything
  expect(seqs(r, 'old', 3)).toBeNull()
  expect(seqs(r, 'mid', 4)).toEqual([1, 2, 3, 4])
  expect(seqs(r, 'new', 3)).toEqual([1, 2, 3])
  expect(r.size).toBe(800)
})

test('a channel alone over the budget is trimmed from its oldest frame, never below what fits', () => {
  const r = new RecentRing(100, 100, 1000)
  r.push('other', frame(1, 100))
  for (let i = 1; i <= 12; i++) r.push('busy', frame(i, 100))
  expect(seqs(r, 'other', 1)).toBeNull()
  expect(r.after('busy', 2, 12)!.map((f) => f.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
  expect(r.after('busy', 1, 12)).toBeNull()
  expect(r.size).toBe(1000)
})
