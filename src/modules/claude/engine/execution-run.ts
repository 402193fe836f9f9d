// One running execution: relays output, enforces timeouts, escalates cancel, and records how it ended.
import type { ExecutionRecord, ExecutionStatus } from '../../../store/records.ts'
import type { Relay } from './relay.ts'
import type { ExitInfo } from '../cli/runner.ts'
import type { SessionProcess, TurnHandler } from './session-process.ts'
import type { ResultInfo } from '../cli/extract.ts'
import type { ParsedItem } from '../cli/stream-parser.ts'

export interface RunLimits {
  timeoutMs: number
  outputTimeoutMs: number
  killGraceMs: number
}

export interface RunOutcome {
  status: ExecutionStatus
  error: string | null
  result?: ResultInfo
  exit?: ExitInfo
  stderr?: string
  /** False when the process should not be reused (it was signalled or died). */
  reusable: boolean
}

/** Where a run's control requests go (the permissions module); the engine settles what a run leaves behind. */
export interface ControlHandler {
  onControl(event: Record<string, unknown>, run: ExecutionRun): void
  /** The run has ended: its still-pending requests are settled (nobody can answer them any more). */
  ended(executionId: string, reason: string): Promise<void>
}

type Stop = { status: Extract<ExecutionStatus, 'cancelled' | 'timed_out' | 'interrupted'>; reason: string }

export class ExecutionRun implements TurnHandler {
  private finished = false
  private stop: Stop | null = null
  private overall: ReturnType<typeof setTimeout> | undefined
  private silence: ReturnType<typeof setTimeout> | undefined
  private escalation: ReturnType<typeof setTimeout>[] = []
  readonly outcome: Promise<RunOutcome>
  private resolve!: (o: RunOutcome) => void

  constructor(
    readonly execution: ExecutionRecord,
    readonly process: SessionProcess,
    readonly relay: Relay,
    private readonly limits: RunLimits,
    private readonly controls: ControlHandler,
  ) {
    this.outcome = new Promise((r) => (this.resolve = r))
  }

  /** Writes the prompt; false when the process could not take it. */
  start(prompt: string): boolean {
    if (!this.process.begin(prompt, this)) return false
    this.overall = setTimeout(
      () => this.cancel('timed_out', `Execution exceeded the overall timeout of ${this.limits.timeoutMs / 1000} s`),
      this.limits.timeoutMs,
    )
    this.armSilence()
    return true
  }

  onItem(item: ParsedItem): void {
    this.armSilence()
    this.relay.push(item)
  }

  onControl(event: Record<string, unknown>): void {
    // a person is deciding: silence is expected now (the permission timeout bounds the wait instead)
    if (event.type === 'control_request') clearTimeout(this.silence)
    this.controls.onControl(event, this)
  }

  /** Writes the answer to one of the CLI's control requests; the CLI goes on, so its silence counts again. */
  answer(response: Record<string, unknown>): boolean {
    if (this.finished) return false
    this.armSilence()
    return this.process.write(`${JSON.stringify({ type: 'control_response', response })}\n`)
  }

  onResult(result: ResultInfo): void {
    this.relay.flush()
    if (this.stop) return this.finish({ status: this.stop.status, error: this.stop.reason, result, reusable: true })
    if (!result.isError && result.subtype === 'success')
      return this.finish({ status: 'completed', error: null, result, reusable: true })
    this.finish({ status: 'failed', error: describeResultError(result), result, reusable: true })
  }

  onExit(exit: ExitInfo, stderr: string): void {
    this.relay.flush()
    if (stderr.trim()) this.relay.emit('log', { stream: 'stderr', line: stderr.slice(-4000) })
    if (this.stop)
      return this.finish({ status: this.stop.status, error: this.stop.reason, exit, stderr, reusable: false })
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
    const tail = lastLines(stderr)
    this.finish({
      status: 'failed',
      error: `Claude CLI ${how} before finishing${tail ? `: ${tail}` : ''}`,
      exit,
      stderr,
      reusable: false,
    })
  }

  settled(): Promise<void> {
    return this.relay.settled()
  }

  /** Interrupt first; then SIGTERM to the process group; then SIGKILL. Each step waits the grace period. */
  cancel(status: Stop['status'], reason: string): void {
    if (this.finished || this.stop) return
    this.stop = { status, reason }
    const grace = this.limits.killGraceMs
    this.process.interrupt()
    this.escalation.push(setTimeout(() => this.process.kill('SIGTERM', grace), grace))
  }

  private armSilence() {
    clearTimeout(this.silence)
    this.silence = setTimeout(
      () => this.cancel('timed_out', `No output from the Claude CLI for ${this.limits.outputTimeoutMs / 1000} s`),
      this.limits.outputTimeoutMs,
    )
  }

  private finish(outcome: RunOutcome) {
    if (this.finished) return
    this.finished = true
    clearTimeout(this.overall)
    clearTimeout(this.silence)
    for (const t of this.escalation) clearTimeout(t)
    this.resolve(outcome)
  }
}

export function describeResultError(r: ResultInfo): string {
  // num_turns counts the turn that was refused (max_turns 1 → num_turns 2); the CLI's own text names the limit
  if (r.subtype === 'error_max_turns')
    return `Stopped after reaching max_turns${r.errors.length ? `: ${r.errors.join('; ')}` : ` (${r.numTurns ?? '?'} turns)`}`
  const detail = r.result ?? r.errors.join('; ')
  if (r.apiErrorStatus) return `Claude API error ${r.apiErrorStatus}${detail ? `: ${detail}` : ''}`
  return `${r.subtype}${detail ? `: ${detail}` : ''}`
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 1000)
}
