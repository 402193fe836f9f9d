// One long-lived CLI process per active session, fed user turns over stdin (stream-json), routing output to the turn.
import { interruptLine, userInputLine } from '../cli/events.ts'
import type { ExitInfo, RunnerProcess } from '../cli/runner.ts'
import { getInit, getResult, type ResultInfo } from '../cli/extract.ts'
import type { ParsedItem } from '../cli/stream-parser.ts'

export interface TurnHandler {
  onItem(item: ParsedItem): void
  /** The CLI printed its `result`: the turn is over and the process is idle again. */
  onResult(result: ResultInfo): void
  /** The process ended while this turn was running. */
  onExit(exit: ExitInfo, stderr: string): void
  /** Resolves when the handler has stored what it was given; the reader waits on it now and then. */
  settled(): Promise<void>
  /** A control_request (a permission prompt) or control_cancel_request the CLI wrote during the turn. */
  onControl(event: Record<string, unknown>): void
}

type ControlAnswer = { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }

export type ProcessState = 'idle' | 'busy' | 'exited'

export class SessionProcess {
  state: ProcessState = 'idle'
  lastUsed = Date.now()
  /** Assigned to a starting run that has not written its prompt yet: not idle for eviction or reaping. */
  claimed = false
  /** The CLI's session id as reported by its latest system/init. */
  cliSessionId: string | undefined
  private turn: TurnHandler | null = null
  private controlIds = 0
  /** Our control requests (set_permission_mode, set_model) waiting for the CLI's control_response. */
  private readonly asked = new Map<string, ControlAnswer>()
  readonly done: Promise<ExitInfo>

  constructor(
    readonly sessionId: string,
    readonly signature: string,
    private readonly proc: RunnerProcess,
    onExit: (sp: SessionProcess) => void,
  ) {
    this.done = this.pump().then(async () => {
      const exit = await proc.exited
      this.state = 'exited'
      for (const a of this.asked.values()) a.reject(new Error('the Claude CLI process exited'))
      this.asked.clear()
      const turn = this.turn
      this.turn = null
      turn?.onExit(exit, proc.stderrTail())
      onExit(this)
      return exit
    })
  }

  /** Idle and not promised to a run: may be retired to free a slot. */
  get evictable(): boolean {
    return this.state === 'idle' && !this.claimed
  }

  get pid(): number {
    return this.proc.pid
  }

  /** Starts a turn; false when the process can no longer take input. */
  begin(prompt: string, handler: TurnHandler): boolean {
    this.claimed = false
    if (this.state !== 'idle') return false
    if (!this.proc.write(userInputLine(prompt))) return false
    this.turn = handler
    this.state = 'busy'
    this.lastUsed = Date.now()
    return true
  }

  /** Asks the CLI to end the current turn cleanly (it answers with a result). */
  interrupt(): void {
    if (this.state === 'busy') this.proc.write(interruptLine(`cchub-interrupt-${++this.controlIds}`))
  }

  /** Writes one line to the CLI (the control_response to one of its requests); false when stdin is closed. */
  write(line: string): boolean {
    return this.state !== 'exited' && this.proc.write(line)
  }

  /** Sends a control request to the live CLI and resolves with its answer; rejects with the CLI's error. */
  control(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = `cchub-control-${++this.controlIds}`
    return new Promise((resolve, reject) => {
      if (!this.write(`${JSON.stringify({ type: 'control_request', request_id: id, request })}\n`))
        return reject(new Error('the Claude CLI process is not running'))
      this.asked.set(id, { resolve, reject })
    })
  }

  /** Ends an idle process gracefully: closing stdin makes the CLI exit; signals follow if it does not. */
  retire(graceMs: number): void {
    this.proc.endInput()
    const t = setTimeout(() => this.kill('SIGTERM', graceMs), graceMs)
    void this.done.then(() => clearTimeout(t))
  }

  /** Signals the process group; SIGTERM escalates to SIGKILL after `graceMs`. */
  kill(sig: 'SIGTERM' | 'SIGKILL', graceMs: number): void {
    if (this.state === 'exited') return
    this.proc.signal(sig)
    if (sig === 'SIGTERM') {
      const t = setTimeout(() => this.proc.signal('SIGKILL'), graceMs)
      void this.done.then(() => clearTimeout(t))
    }
  }

  private async pump(): Promise<void> {
    let n = 0
    for await (const item of this.proc.lines) {
      const turn = this.turn
      if (item.kind === 'json') {
        if (this.controlLine(item.event as Record<string, unknown>, turn)) continue
        const init = getInit(item.event)
        if (init?.sessionId) this.cliSessionId = init.sessionId
      }
      if (!turn) continue
      turn.onItem(item)
      const result = item.kind === 'json' ? getResult(item.event) : undefined
      if (result) {
        this.turn = null
        this.state = 'idle'
        this.lastUsed = Date.now()
        turn.onResult(result)
      }
      if (++n % 64 === 0) await turn.settled()
    }
  }

  /** Takes the CLI's control traffic out of the turn's output: true when the line was one. */
  private controlLine(ev: Record<string, unknown>, turn: TurnHandler | null): boolean {
    const type = ev.type
    if (type === 'control_response') {
      const r = ev.response as
        | { request_id?: string; subtype?: string; error?: string; response?: Record<string, unknown> }
        | undefined
      const waiting = r?.request_id ? this.asked.get(r.request_id) : undefined
      if (!waiting) return false
      this.asked.delete(r!.request_id!)
      if (r!.subtype === 'error') waiting.reject(new Error(r!.error ?? 'the Claude CLI refused the request'))
      else waiting.resolve(r!.response ?? {})
      return true
    }
    if (type !== 'control_request' && type !== 'control_cancel_request') return false
    if (turn) turn.onControl(ev)
    // outside a turn nobody could answer: refuse at once rather than leave the CLI waiting
    else if (type === 'control_request')
      this.write(
        `${JSON.stringify({ type: 'control_response', response: { subtype: 'error', request_id: ev.request_id, error: 'No turn is running' } })}\n`,
      )
    return true
  }
}
