// The SDK stays dependency-free: a browser bundle holds no server code, no TypeBox; backoff stays within its bounds.
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { Backoff } from '../../src/client/index.ts'

test('a browser bundle of src/client contains no server code or dependencies', async () => {
  const out = await Bun.build({
    entrypoints: [join(import.meta.dir, '../../src/client/index.ts')],
    target: 'browser',
    minify: false,
  })
  expect(out.success).toBe(true)
  const code = await out.outputs[0]!.text()
  const sources = [...code.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) => m[1]!)
  expect(sources.length).toBeGreaterThan(0)
  for (const s of sources) expect(s).toMatch(/(^|\/)src\/client\/[a-z-]+\.ts$/)
  expect(code).not.toContain('@sinclair/typebox')
  expect(code).not.toContain('elysia')
  expect(code.length).toBeLessThan(40_000)
})

test('full jitter: every delay is in [0, min(max, base * 2^attempt)] and reset starts over', () => {
  let r = 0.999
  const b = new Backoff({ baseMs: 100, maxMs: 1_000, random: () => r })
  expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([99, 199, 399, 799, 999, 999])
  r = 0
  expect(b.next()).toBe(0)
  b.reset()
  r = 0.5
  expect(b.next()).toBe(50)
})
