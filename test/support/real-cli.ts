// The real Claude CLI for the suites that run it: present, or a loud failure in CI, or a skip with a reason elsewhere.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

export const REAL_CLAUDE = resolve(import.meta.dir, '../../node_modules/.bin/claude')

/**
 * True when node_modules/.bin/claude exists. Missing, it throws when CI=true (a skipped real-CLI suite would let CI
 * pass without the tests that matter most) and otherwise says why the suite is skipped.
 */
export function requireRealCli(suite: string, path = REAL_CLAUDE, env: Record<string, string | undefined> = process.env): boolean {
  if (existsSync(path)) return true
  if (env.CI === 'true') throw new Error(`${suite}: the real Claude CLI is missing at ${path} (npm install puts it there); with CI=true it must run, not skip`)
  console.warn(`skipping ${suite}: no real Claude CLI at ${path} (npm install puts it there)`)
  return false
}
