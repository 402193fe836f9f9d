// What the store and the channels learn about runs: started, ended, recorded; retried through database outages.
import type { Logger } from '../../../core/logger.ts'
import type { StoreRetry } from '../../../core/store-retry.ts'
import type { Store } from '../../../store/store.ts'
import type { ChannelLog } from '../../realtime/channel-log.ts'
import { killOrphan, startTimeOf } from '../cli/spawn.ts'
import type { ExecutionPlacement, Job } from './execution-engine.ts'
import type { ControlHandler, RunOutcome } from './execution-run.ts'
import { recordOutcome } from './outcome.ts'
import type { Relay } from './relay.ts'
import type { SessionProcess } from './session-process.ts'
import { interruptExecution, publishStatus } from './status.ts'

export interface BookkeepingDeps {
  store: Store
  log: ChannelLog
  logger: Logger
  controls: ControlHandler
  /** Bookkeeping nobody waits on in a request: a database restart delays it instead of losing it. */
  retry: StoreRetry
  placement?: ExecutionPlacement
}

export class RunBookkeeping {
  constructor(private readonly d: BookkeepingDeps) {}

  /** Stores the run as running with its process (a restart finds it by pid) and publishes that status. */
  async started(job: Job, sp: SessionProcess, relay: Relay): Promise<void> {
    const id = job.execution.id
    const running = {
      status: 'running',
      started_at: Date.now(),
      pid: sp.pid,
      pid_start: startTimeOf(sp.pid) ?? null,
    } as const
    const started = await this.persist(id, () => this.d.store.executions.update(id, running))
    if (!started) return
    job.execution = started
    await publishStatus(this.d.log, started, job.session.owner_id, { progress: relay.progress })
  }

  /** The run is over: whatever still waits on it (a permission request) ends with it. */
  ended(executionId: string, outcome: RunOutcome): Promise<unknown> {
    const reason = outcome.error ?? `The execution ended (${outcome.status})`
    return this.persist(executionId, () => this.d.controls.ended(executionId, reason))
  }

  /** Stores how an execution ended, updates the session totals and publishes the final status. */
  async record(job: Job, o: RunOutcome, relay: Relay | null, sp?: SessionProcess): Promise<void> {
    await recordOutcome(
      { store: this.d.store, log: this.d.log, persist: (op) => this.persist(job.execution.id, op) },
      { execution: job.execution, session: job.session },
      o,
      relay?.progress,
      sp?.cliSessionId,
    )
    this.d.placement?.finished(job.execution.id)
  }

  /** Running or queued executions left by a previous run of the server become `interrupted`. */
  async recover(): Promise<number> {
    const stale = await this.d.store.executions.withStatus(['running', 'waiting_for_permission', 'queued'])
    for (const e of stale) {
      if (e.pid && e.pid_start && killOrphan(e.pid, e.pid_start))
        this.d.logger.warn('stopped a CLI left by the previous run', { pid: e.pid, execution_id: e.id })
      await interruptExecution(this.d.store, this.d.log, e, `cchub restarted while this execution was ${e.status}`)
    }
    return stale.length
  }

  /** The database still away at shutdown: what waits gets one more try, then the next start marks it interrupted. */
  close(): void {
    this.d.retry.close()
  }

  /** `op` retried while the database is away (said once per operation), so the execution ends with its true status. */
  private persist<T>(executionId: string, op: () => Promise<T>): Promise<T> {
    return this.d.retry.run(op, (err, attempt) => {
      if (attempt === 1)
        this.d.logger.warn('execution bookkeeping waits for the database', {
          execution_id: executionId,
          error: err.message,
        })
    })
  }
}
