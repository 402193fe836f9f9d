// One long-lived CLI process per active session, fed user turns over stdin (stream-json) and routing output to the turn.
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
}

export type ProcessState = 'idle' | 'busy' | 'exited'

export class SessionProcess {
  state: ProcessState = 'idle'
  lastUsed = Date.now()
  /** Assigned to a starting run that has not written its prompt yet: not idle for eviction or reaping. */
  claimed = false
  /** The CLI's session id as reported by its latest system/init. */
  cliSessionId: string | undefined
  private turn: TurnHandler | null = null
  private interrupts = 0
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
    if (this.state === 'busy') this.proc.write(interruptLine(`cchub-interrupt-${++this.interrupts}`))
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
}
