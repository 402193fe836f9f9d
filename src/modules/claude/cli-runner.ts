// Runner implementation: Bun.spawn of the Claude CLI in its own process group, cwd per process.
import { CLAUDE_INSTALL_HINT } from '../../core/claude-bin.ts'
import { RunnerError, type Runner, type RunnerProcess, type RunSpec } from './runner.ts'
import { parseStream } from './stream-parser.ts'

const STDERR_KEEP = 64 * 1024

export class CliRunner implements Runner {
  spawn(spec: RunSpec): RunnerProcess {
    let proc: Bun.Subprocess<'pipe', 'pipe', 'pipe'>
    try {
      proc = Bun.spawn([spec.bin, ...spec.args], {
        cwd: spec.cwd,
        env: spec.env,
        stdin: 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
        // own session and process group, so cancel can signal every tool process the CLI started
        detached: true,
      })
    } catch (err) {
      throw new RunnerError('CLAUDE_UNAVAILABLE', `Claude CLI could not be started (${spec.bin}): ${(err as Error).message}; ${CLAUDE_INSTALL_HINT}`)
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
    const exited = proc.exited.then(async (code) => {
      await stderrDone
      return { code: proc.signalCode ? null : code, signal: proc.signalCode ? String(proc.signalCode) : null }
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
