// The Runner seam: starts a CLI process and exposes its parsed output, stdin and signals.
import type { ParsedItem } from './stream-parser.ts'

export interface RunSpec {
  bin: string
  args: string[]
  cwd: string
  env: Record<string, string>
  /** Set by the sandbox: `bin` is bwrap, which exits on SIGTERM and then kills the CLI inside without grace. */
  sandboxed?: boolean
}

export interface ExitInfo {
  code: number | null
  signal: string | null
}

/**
 * Contract (Claude CLI via Bun.spawn now; a remote or containerised runner may follow):
 * - `spawn` throws RunnerError('CLAUDE_UNAVAILABLE') when the binary cannot be started at all.
 * - `lines` yields every stdout line in order, parsed tolerantly (non-JSON lines as text, oversize lines reported,
 *   never throwing on content); it ends when stdout closes.
 * - `signal` reaches the whole process group, so tools the CLI started die with it; `exited` resolves exactly once
 *   after the process has been reaped (no zombies).
 * - `stderrTail` returns the last part of stderr (bounded), for error messages.
 */
export interface RunnerProcess {
  readonly pid: number
  readonly lines: AsyncIterable<ParsedItem>
  /** Writes one line to stdin; false when stdin is closed. */
  write(line: string): boolean
  endInput(): void
  signal(sig: 'SIGINT' | 'SIGTERM' | 'SIGKILL'): void
  readonly exited: Promise<ExitInfo>
  stderrTail(): string
}

/**
 * Kept in cli/ beside its implementation (spawn.ts), in the CLI's terms: engine/ depends on cli/, never the reverse.
 */
export interface Runner {
  spawn(spec: RunSpec): RunnerProcess
}

export class RunnerError extends Error {
  override name = 'RunnerError'
  constructor(
    readonly code: 'CLAUDE_UNAVAILABLE',
    message: string,
  ) {
    super(message)
  }
}
