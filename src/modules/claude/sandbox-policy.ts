// Without a sandbox the CLI runs as the server's user: non-admins may only ask for tools that touch no file.
import { AppError } from '../../core/errors.ts'
import type { SandboxStatus } from './cli/sandbox.ts'

/**
 * Tools that touch no file: everything else (Bash, Write, Edit, Task, MCP…) is refused. Not even Read, Glob, Grep or
 * LS:
 * the CLI already reads and searches inside the workspace without them, and naming them in --allowedTools would let it
 * read any file the server user can (verified with 2.1.330: unnamed, reading <data>/jwt-secret is blocked).
 */
export const SAFE_WITHOUT_SANDBOX = ['WebFetch', 'WebSearch', 'TodoWrite']
/**
 * Modes in which the CLI asks before writing or running (and, headless, refuses); acceptEdits, auto and
 * bypassPermissions do not.
 */
const SAFE_MODES = ['default', 'plan', 'dontAsk', 'manual']

/** Throws SANDBOX_REQUIRED (403) when a non-admin asks for a tool or mode that is only safe inside the sandbox. */
export function requireSandboxFor(
  req: { role: 'admin' | 'user'; tools?: string[]; permissionMode?: string },
  sandbox: SandboxStatus,
): void {
  if (sandbox.mode !== 'off' || req.role === 'admin') return
  const unsafe = (req.tools ?? []).filter((t) => !SAFE_WITHOUT_SANDBOX.includes(t.split('(')[0]!.trim()))
  const mode =
    req.permissionMode && !SAFE_MODES.includes(req.permissionMode) ? [`permission_mode ${req.permissionMode}`] : []
  if (unsafe.length + mode.length === 0) return
  throw new AppError(
    'SANDBOX_REQUIRED',
    403,
    `This server runs Claude without a sandbox (${sandbox.reason ?? 'off'}), so only admins may use ${[...unsafe, ...mode].join(', ')}; ` +
      `allowed without it: ${SAFE_WITHOUT_SANDBOX.join(', ')}`,
    { details: { refused: [...unsafe, ...mode], sandbox: 'off' } },
  )
}
