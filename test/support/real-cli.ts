// The real Claude CLI for the suites that run it: present, or a loud failure in CI, or a skip with a reason elsewhere.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

/** The pinned CLI (package.json); node_modules/.bin/claude may be the older one installed beside it for comparison. */
export const REAL_CLAUDE = resolve(import.meta.dir, '../../node_modules/@anthropic-ai/claude-code/bin/claude.exe')
/** The older CLI the permission-relay tests also run against (devDependency alias claude-code-2-1-197). */
export const REAL_CLAUDE_2_1_197 = resolve(import.meta.dir, '../../node_modules/claude-code-2-1-197/bin/claude.exe')

/**
 * True when node_modules/.bin/claude exists. Missing, it throws when CI=true (a skipped real-CLI suite would let CI
 * pass without the tests that matter most) and otherwise says why the suite is skipped.
 */
export function requireRealCli(
  suite: string,
  path = REAL_CLAUDE,
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (existsSync(path)) return true
  if (env.CI === 'true')
    throw new Error(
      `${suite}: the real Claude CLI is missing at ${path} (npm install puts it there); with CI=true it must run, not skip`,
    )
  console.warn(`skipping ${suite}: no real Claude CLI at ${path} (npm install puts it there)`)
  return false
}
