// The sessions' CLI processes: one kept per session, reused by signature, evicted when idle at the cap or too long.
import { RunnerError, type Runner, type RunSpec } from '../cli/runner.ts'
import { SessionProcess } from './session-process.ts'

export interface PoolLimits {
  maxProcesses: number
  idleTtlMs: number
  killGraceMs: number
}

/** What the pool needs of a job to find or start its process. */
export interface ProcessRequest {
  session: { id: string }
  signature: string
  spec: () => RunSpec
}

export class ProcessPool {
  /** session id → its kept process (idle or in a turn) */
  readonly processes = new Map<string, SessionProcess>()
  /** Processes told to exit that have not yet: they still count against the cap. */
  readonly retiring = new Set<SessionProcess>()
  private readonly reaper: ReturnType<typeof setInterval>

  constructor(
    private readonly runner: Runner,
    private readonly limits: PoolLimits,
    /** A process exited: a queued turn may fit now. */
    private readonly onExit: () => void,
  ) {
    this.reaper = setInterval(() => this.reapIdle(), Math.min(5000, Math.max(100, limits.idleTtlMs / 2)))
  }

  /**
   * The session's idle process when its signature matches, else a new one; 'wait' at the cap (an idle process is
   * retired to make room), an Error when the CLI could not be started.
   */
  take(job: ProcessRequest): SessionProcess | Error | 'wait' {
    const existing = this.processes.get(job.session.id)
    if (existing?.evictable && existing.signature === job.signature) return existing
    if (existing) this.retire(existing)
    if (this.processes.size + this.retiring.size >= this.limits.maxProcesses) {
      const idle = [...this.processes.values()].filter((p) => p.evictable).sort((a, b) => a.lastUsed - b.lastUsed)[0]
      if (idle) this.retire(idle)
      return 'wait'
    }
    try {
      const sp = new SessionProcess(job.session.id, job.signature, this.runner.spawn(job.spec()), (p) => this.exited(p))
      this.processes.set(job.session.id, sp)
      return sp
    } catch (err) {
      return err instanceof RunnerError ? err : new Error(`Claude CLI could not be started: ${(err as Error).message}`)
    }
  }

  /** Takes the session's process out of the pool (so no queued turn can take it) without stopping it yet. */
  detach(sessionId: string): SessionProcess | undefined {
    const sp = this.processes.get(sessionId)
    if (!sp) return undefined
    this.processes.delete(sessionId)
    this.retiring.add(sp)
    return sp
  }

  retire(sp: SessionProcess): void {
    if (this.processes.get(sp.sessionId) === sp) this.processes.delete(sp.sessionId)
    this.retiring.add(sp)
    sp.retire(this.limits.killGraceMs)
  }

  /** Shutdown begins: no more idle expiry. */
  stopReaping(): void {
    clearInterval(this.reaper)
  }

  /** Shutdown ends: every process killed at once, waited for a little. */
  async killAll(): Promise<void> {
    const all = [...this.processes.values(), ...this.retiring]
    for (const sp of all) sp.kill('SIGKILL', 0)
    await Promise.race([Promise.all(all.map((sp) => sp.done)), Bun.sleep(2000)])
  }

  private exited(sp: SessionProcess): void {
    this.retiring.delete(sp)
    if (this.processes.get(sp.sessionId) === sp) this.processes.delete(sp.sessionId)
    this.onExit()
  }

  private reapIdle(): void {
    const cutoff = Date.now() - this.limits.idleTtlMs
    for (const sp of [...this.processes.values()]) if (sp.evictable && sp.lastUsed < cutoff) this.retire(sp)
  }
}
