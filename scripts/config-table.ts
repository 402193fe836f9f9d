#!/usr/bin/env bun
// Prints the settings table for README.md, generated from the config schema; `--write` replaces the README's copy.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { markdownTable } from '../src/config/help.ts'

// The table sits between <!-- config-table:start --> and <!-- config-table:end -->; test/docs/readme-config.test.ts
// fails when the README copy drifts.
// Usage: bun scripts/config-table.ts            print the table
//        bun scripts/config-table.ts --write    replace the table in README.md

const START = '<!-- config-table:start -->'
const END = '<!-- config-table:end -->'

if (process.argv.includes('--write')) {
  const file = join(import.meta.dir, '..', 'README.md')
  const readme = readFileSync(file, 'utf8')
  const a = readme.indexOf(START)
  const b = readme.indexOf(END)
  if (a < 0 || b < a) {
    console.error(`config-table: README.md has no ${START} ... ${END} block`)
    process.exit(1)
  }
  writeFileSync(file, `${readme.slice(0, a + START.length)}\n${markdownTable()}\n${readme.slice(b)}`)
  console.log('config-table: README.md updated')
} else {
  console.log(markdownTable())
}
