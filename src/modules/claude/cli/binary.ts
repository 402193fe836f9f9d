// Finds the Claude Code CLI once at start-up and reads its version, without ever blocking the server.
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

export interface ClaudeCli {
  path: string
  version: string
}

export const CLAUDE_INSTALL_HINT = 'install it with `npm install -g @anthropic-ai/claude-code` or set CCHUB_CLAUDE_BIN'

/**
 * Where npm puts the pinned CLI: its own package's bin, not node_modules/.bin (which another version may also claim).
 */
const PINNED = ['node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe']

/**
 * Configured path, else the CLI that came with npm install (beside the working directory or the binary), else `claude`
 * on PATH.
 */
export function findClaudeBin(configured: string | undefined, env: Record<string, string | undefined>): string | null {
  if (configured) return configured
  for (const base of [process.cwd(), dirname(process.execPath), resolve(import.meta.dir, '../../../..')]) {
    const candidate = join(base, ...PINNED)
    if (existsSync(candidate)) return candidate
  }
  return Bun.which('claude', { PATH: env.PATH ?? '' })
}

/** `claude --version`, or null if it cannot be run within the timeout. */
export async function probeClaude(path: string | null, timeoutMs = 15_000): Promise<ClaudeCli | null> {
  if (!path) return null
  try {
    const proc = Bun.spawn([path, '--version'], {
      stdout: 'pipe',
      stderr: 'ignore',
      stdin: 'ignore',
      timeout: timeoutMs,
    })
    const out = (await new Response(proc.stdout).text()).trim()
    if ((await proc.exited) !== 0 || !out) return null
    return { path, version: out.split(/\s+/)[0] ?? out }
  } catch {
    return null
  }
}
