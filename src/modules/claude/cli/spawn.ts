// Runner implementation: Bun.spawn of the Claude CLI (inside the sandbox when there is one) in its own process group.
import { readdirSync, readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { CLAUDE_INSTALL_HINT } from './binary.ts'
import { RunnerError, type Runner, type RunnerProcess, type RunSpec } from './runner.ts'
import type { Sandbox } from './sandbox.ts'
import { parseStream } from './stream-parser.ts'

const STDERR_KEEP = 64 * 1024

export class CliRunner implements Runner {
  /** With a sandbox every CLI runs inside it; null runs it directly (CCHUB_SANDBOX=off, or no working bwrap). */
  constructor(private readonly sandbox: Sandbox | null = null) {}

  spawn(spec: RunSpec): RunnerProcess {
    let proc: Bun.Subprocess<'pipe', 'pipe', 'pipe'>
    let run = spec
    try {
      run = this.sandbox ? this.sandbox.wrap(spec) : spec
      proc = Bun.spawn([run.bin, ...run.args], {
        cwd: run.cwd,
        env: run.env,
        stdin: 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
        // own session and process group, so cancel can signal every tool process the CLI started
        detached: true,
      })
    } catch (err) {
      throw new RunnerError(
        'CLAUDE_UNAVAILABLE',
        `Claude CLI could not be started (${spec.bin}): ${(err as Error).message}; ${CLAUDE_INSTALL_HINT}`,
      )
    }
    let stderr = ''
    const stderrDone = (async () => {
      const decoder = new TextDecoder()
      const reader = proc.stderr.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        stderr += decoder.decode(value, { stream: true })
        if (stderr.length > STDERR_KEEP * 2) stderr = stderr.slice(-STDERR_KEEP)
      }
    })().catch(() => {})
    let inputOpen = true
    // Tool processes the CLI started (pid → start time, to survive pid reuse), remembered whenever we signal it: the
    // CLI
    // runs each tool in a session of its own (setsid), so signalling the CLI's process group does not reach them.
    const tools = new Map<number, string>()
    const signalTools = (sig: NodeJS.Signals) => {
      for (const [pid, start] of tools) {
        if (startTimeOf(pid) !== start) tools.delete(pid)
        else killQuietly(pid, sig)
      }
    }
    let killed = false
    const exited = proc.exited.then(async (code) => {
      await stderrDone
      // we signalled the CLI and it is gone: whatever it started must not outlive it
      signalTools('SIGKILL')
      if (proc.signalCode) return { code: null, signal: String(proc.signalCode) }
      // bwrap reports a CLI killed by a signal as exit code 128 + n; our SIGKILL cannot be caught, so 137 after it is
      // that
      if (run.sandboxed && killed && code === 128 + constants.signals.SIGKILL) return { code: null, signal: 'SIGKILL' }
      return { code, signal: null }
    })
    return {
      pid: proc.pid,
      lines: parseStream(proc.stdout),
      write(line) {
        if (!inputOpen) return false
        try {
          proc.stdin.write(line)
          proc.stdin.flush()
          return true
        } catch {
          inputOpen = false
          return false
        }
      },
      endInput() {
        if (!inputOpen) return
        inputOpen = false
        try {
          proc.stdin.end()
        } catch {
          // the process already closed its end
        }
      },
      signal(sig) {
        // collect the tree before signalling: once the CLI dies its children are re-parented and cannot be found
        if (sig === 'SIGKILL') killed = true
        const tree = descendantsOf(proc.pid)
        for (const pid of tree) if (!tools.has(pid)) tools.set(pid, startTimeOf(pid) ?? '')
        signalTools(sig)
        // Sandboxed, only the processes inside are signalled: bwrap would die of SIGTERM and kill the CLI without
        // grace,
        // or die of SIGKILL before reaping it. It exits by itself once the CLI (pid 1 inside, taking the rest along) is
        // gone.
        if (run.sandboxed && tree.length > 0) return
        try {
          process.kill(-proc.pid, sig)
        } catch {
          try {
            proc.kill(sig)
          } catch {
            // already gone
          }
        }
      },
      exited,
      stderrTail: () => stderr.slice(-STDERR_KEEP),
    }
  }
}

function killQuietly(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch {
    // already gone
  }
}

/**
 * Fields after the command name in /proc/<pid>/stat (state is [0], ppid [1], start time [19]); null when gone or not
 * Linux.
 */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

export function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19]
}

/** Every live descendant of `root` (children, grandchildren, …) from /proc; empty where /proc is not available. */
export function descendantsOf(root: number): number[] {
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return []
  }
  const children = new Map<number, number[]>()
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue
    const f = statFields(name)
    if (!f || f[0] === 'Z') continue
    const ppid = Number(f[1])
    const list = children.get(ppid)
    if (list) list.push(Number(name))
    else children.set(ppid, [Number(name)])
  }
  const out: number[] = []
  const todo = [...(children.get(root) ?? [])]
  while (todo.length) {
    const pid = todo.pop()!
    out.push(pid)
    todo.push(...(children.get(pid) ?? []))
  }
  return out
}

/**
 * Stops a CLI left running by a previous server process (killed with -9): only if the pid still names the same
 * process (same /proc start time), then its group and every descendant, since the CLI runs tools in their own sessions.
 */
export function killOrphan(pid: number, startTime: string): boolean {
  if (startTimeOf(pid) !== startTime) return false
  const victims = [pid, ...descendantsOf(pid)]
  killQuietly(-pid, 'SIGKILL')
  for (const v of victims) killQuietly(v, 'SIGKILL')
  return true
}
