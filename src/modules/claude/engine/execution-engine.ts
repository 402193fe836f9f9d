// Schedules executions onto CLI processes: FIFO queue, global and per-user caps, one turn per session at a time.
import type { Logger } from '../../../core/logger.ts'
import type { StoreRetry } from '../../../core/store-retry.ts'
import type { ExecutionRecord, SessionRecord } from '../../../store/records.ts'
import type { Store } from '../../../store/store.ts'
import type { ChannelLog } from '../../realtime/channel-log.ts'
import { sessionChannel, taskChannel } from '../../realtime/channels.ts'
import { Relay } from './relay.ts'
import { ExecutionRun, type ControlHandler, type RunLimits } from './execution-run.ts'
import type { Runner, RunSpec } from '../cli/runner.ts'
import type { SessionProcess } from './session-process.ts'
import { ProcessPool } from './process-pool.ts'
import { RunBookkeeping } from './bookkeeping.ts'
import { publishStatus, statusPayload } from './status.ts'

export interface Job {
  execution: ExecutionRecord
  session: SessionRecord
  /** Text written to the CLI (the prompt plus any file mentions). */
  input: string
  /** Same signature → the session's idle process can take the turn; otherwise it is restarted with --resume. */
  signature: string
  spec: (session: SessionRecord) => RunSpec
}

/**
 * Where a node keeps the executions it has taken (a cluster marks them so a survivor can interrupt them when this
 * node dies). `placed` comes before the `queued` status is published, `finished` after the final one is stored.
 */
export interface ExecutionPlacement {
  placed(executionId: string): void
  finished(executionId: string): void
}

export interface EngineLimits extends RunLimits {
  maxProcesses: number
  maxPerUser: number
  idleTtlMs: number
}

export class ExecutionEngine {
  private queue: Job[] = []
  private readonly runs = new Map<string, { job: Job; run: ExecutionRun; recorded: Promise<void> }>()
  private readonly perUser = new Map<string, number>()
  /** The sessions' CLI processes (kept and retiring). */
  readonly pool: ProcessPool
  private readonly books: RunBookkeeping

  constructor(
    store: Store,
    private readonly log: ChannelLog,
    runner: Runner,
    private readonly limits: EngineLimits,
    private readonly logger: Logger,
    private readonly controls: ControlHandler,
    /** Bookkeeping nobody waits on in a request: a database restart delays it instead of losing it. */
    retry: StoreRetry,
    private readonly placement?: ExecutionPlacement,
  ) {
    this.books = new RunBookkeeping({ store, log, logger, controls, retry, placement })
    this.pool = new ProcessPool(runner, limits, () => this.pump())
  }

  /** Queues the job and publishes its `queued` status (with position) before anything can start it. */
  enqueue(job: Job): void {
    this.placement?.placed(job.execution.id)
    this.queue.push(job)
    void publishStatus(this.log, job.execution, job.session.owner_id, { queue_position: this.queue.length })
    this.pump()
  }

  /** 1-based position in the queue, or null when not queued. */
  position(executionId: string): number | null {
    const i = this.queue.findIndex((j) => j.execution.id === executionId)
    return i < 0 ? null : i + 1
  }

  isRunning(executionId: string): boolean {
    return this.runs.has(executionId)
  }

  /** The session's live CLI process (idle or in a turn), for controls such as set_model; undefined when none. */
  liveProcess(sessionId: string): SessionProcess | undefined {
    const sp = this.pool.processes.get(sessionId)
    return sp && sp.state !== 'exited' ? sp : undefined
  }

  /** Cancels a queued or running execution; false when it is neither. */
  async cancel(executionId: string, status: 'cancelled' | 'interrupted', reason: string): Promise<boolean> {
    const running = this.runs.get(executionId)
    if (running) {
      running.run.cancel(status, reason)
      // resolved once the final status is stored, so the caller reads the execution as it ended
      await running.recorded
      return true
    }
    const i = this.queue.findIndex((j) => j.execution.id === executionId)
    if (i < 0) return false
    const [job] = this.queue.splice(i, 1)
    await this.books.record(job!, { status, error: reason, reusable: true }, null)
    this.pump()
    return true
  }

  /** Cancels everything of a session and ends its process (session closed). */
  async closeSession(sessionId: string, reason: string): Promise<void> {
    await this.stopWhere((e) => e.session_id === sessionId, [sessionId], reason)
  }

  /**
   * Cancels every queued or running execution `match` picks, then ends the processes of their sessions and of
   * `sessionIds` and waits until they have exited (a deleted workspace or user must leave no CLI behind).
   * Resolves to how many executions were cancelled.
   */
  async stopWhere(
    match: (e: ExecutionRecord) => boolean,
    sessionIds: Iterable<string>,
    reason: string,
  ): Promise<number> {
    const jobs = [...this.queue, ...[...this.runs.values()].map((r) => r.job)].filter((j) => match(j.execution))
    const picked = new Set(jobs.map((j) => j.execution.id))
    const doomed: SessionProcess[] = []
    for (const id of new Set([...sessionIds, ...jobs.map((j) => j.session.id)])) {
      // a process busy with a run `match` did not pick is not ours to stop
      if ([...this.runs.values()].some((r) => r.job.session.id === id && !picked.has(r.job.execution.id))) continue
      // out of the pool before the cancels, so a queued turn they free cannot take it
      const sp = this.pool.detach(id)
      if (sp) doomed.push(sp)
    }
    const cancelled = await Promise.all(jobs.map((j) => this.cancel(j.execution.id, 'cancelled', reason)))
    for (const sp of doomed) sp.retire(this.limits.killGraceMs)
    // retire escalates to SIGTERM and then SIGKILL, so this ends; the bound only guards a process that never reports
    await Promise.race([Promise.all(doomed.map((sp) => sp.done)), Bun.sleep(this.limits.killGraceMs * 3 + 1000)])
    return cancelled.filter(Boolean).length
  }

  /**
   * The sessions changed hands (their owner was deleted): turns still waiting start with the new owner's CLI home,
   * where the transcripts were moved.
   */
  reassignOwner(sessionIds: Iterable<string>, ownerId: string): void {
    const ids = new Set(sessionIds)
    for (const job of [...this.queue, ...[...this.runs.values()].map((r) => r.job)]) {
      if (ids.has(job.session.id)) job.session = { ...job.session, owner_id: ownerId }
    }
  }

  /** Running or queued executions left by a previous run of the server become `interrupted`. */
  recover(): Promise<number> {
    return this.books.recover()
  }

  async shutdown(graceMs: number): Promise<void> {
    this.pool.stopReaping()
    const queued = this.queue.splice(0)
    const running = [...this.runs.values()]
    for (const { run } of running) run.cancel('interrupted', 'cchub is shutting down')
    await Promise.race([Promise.all(running.map((r) => r.recorded)), Bun.sleep(graceMs)])
    this.books.close()
    for (const job of queued)
      await this.books
        .record(job, { status: 'interrupted', error: 'cchub is shutting down', reusable: false }, null)
        .catch((err) =>
          this.logger.error('execution bookkeeping failed', { execution_id: job.execution.id, error: String(err) }),
        )
    await this.pool.killAll()
  }

  private pump(): void {
    const before = new Map(this.queue.map((j, i) => [j.execution.id, i + 1]))
    this.startWhatFits()
    // tell each still-queued execution's watchers when its position moved
    this.queue.forEach((j, i) => {
      const was = before.get(j.execution.id)
      if (was !== undefined && was !== i + 1)
        void this.log.emit(taskChannel(j.execution.id), 'status', statusPayload(j.execution, { queue_position: i + 1 }))
    })
  }

  private startWhatFits(): void {
    for (const job of [...this.queue]) {
      if (this.runs.size >= this.limits.maxProcesses) return
      const busy = [...this.runs.values()].some((r) => r.job.session.id === job.session.id)
      if (busy || (this.perUser.get(job.execution.user_id) ?? 0) >= this.limits.maxPerUser) continue
      const sp = this.pool.take({ ...job, spec: () => job.spec(job.session) })
      if (sp === 'wait') continue
      this.queue.splice(this.queue.indexOf(job), 1)
      if (sp instanceof Error)
        void this.books.record(job, { status: 'failed', error: sp.message, reusable: false }, null)
      else {
        sp.claimed = true
        void this.startRun(job, sp)
      }
    }
  }

  private async startRun(job: Job, sp: SessionProcess): Promise<void> {
    const e = job.execution
    const relay = new Relay(this.log, e.id, [taskChannel(e.id), sessionChannel(e.session_id)])
    const run = new ExecutionRun(e, sp, relay, this.limits, this.controls)
    let recorded!: () => void
    this.runs.set(e.id, { job, run, recorded: new Promise<void>((r) => (recorded = r)) })
    this.perUser.set(e.user_id, (this.perUser.get(e.user_id) ?? 0) + 1)
    try {
      await this.books.started(job, sp, relay)
      if (!run.start(job.input)) run.onExit({ code: null, signal: null }, 'the CLI process did not accept input')
      const outcome = await run.outcome
      await relay.settled()
      await this.books.ended(e.id, outcome)
      if (!outcome.reusable) sp.kill('SIGTERM', this.limits.killGraceMs)
      await this.books.record(job, outcome, relay, sp)
    } catch (err) {
      // the store failed for another reason than an outage, or stayed away past shutdown: the slot must still be freed,
      // or the node would stop running executions; the row keeps its last status until a restart marks it interrupted
      this.logger.error('execution bookkeeping failed', { execution_id: e.id, error: String(err) })
      sp.kill('SIGTERM', this.limits.killGraceMs)
    } finally {
      recorded()
      this.runs.delete(e.id)
      this.perUser.set(e.user_id, (this.perUser.get(e.user_id) ?? 1) - 1)
      this.pump()
    }
  }

  /** Live process count (for stats and tests). */
  get processCount(): number {
    return this.pool.processes.size + this.pool.retiring.size
  }
}
