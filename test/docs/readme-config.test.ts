// The README's settings table must match the config schema; regenerate it with `bun scripts/config-table.ts --write`.
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { markdownTable } from '../../src/config/help.ts'
import { configKeys, settingMeta } from '../../src/config/schema.ts'

const README = join(import.meta.dir, '..', '..', 'README.md')

function readmeBlock(): string | undefined {
  if (!existsSync(README)) return undefined
  return /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readFileSync(README, 'utf8'))?.[1]
}

describe('README configuration table', () => {
  test('is exactly markdownTable() from src/config/help.ts', () => {
    const block = readmeBlock()
    expect(
      block === undefined ? 'README.md has no <!-- config-table:start --> ... <!-- config-table:end --> block' : block,
    ).toBe(markdownTable())
  })

  test('names every setting by its environment variable and flag', () => {
    const block = readmeBlock() ?? ''
    const missing = configKeys
      .map((k) => settingMeta(k))
      .filter(({ env, flag }) => !block.includes(`| \`${env}\` | \`${flag}\` |`))
    expect(missing.map((m) => m.env)).toEqual([])
  })
})
