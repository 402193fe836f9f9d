// Permission requests of running CLIs: stored, published, answered once (first wins), timed out, cancelled, expired.
import type { Clock } from '../../core/clock.ts'
import { notFound } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { PermissionRecord, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { SessionAccess } from '../sessions/access.ts'
import type { ControlHandler, ExecutionRun } from '../claude/engine/execution-run.ts'
import { publishStatus } from '../claude/engine/status.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import { recordOf } from './cli-request.ts'
import type { PermissionAnswer } from './model.ts'
import { alreadyResolved, byCchub, deniedByCchub, type Outcome } from './outcomes.ts'
import type { PermissionPolicy } from './policy.ts'
import { MESSAGE_TYPE, resolvedPayload, toPermissionView } from './views.ts'
import { sessionChannel, taskChannel } from '../realtime/channels.ts'

export interface PermissionDeps {
  store: Store
  log: ChannelLog
  access: SessionAccess
  policy: PermissionPolicy
  clock: Clock
  logger: Logger
  timeoutMs: number
}

export class PermissionService implements ControlHandler {
  /** Requests a live run is waiting on: where the answer goes, and the timeout to disarm. */
  private readonly waiting = new Map<string, { run: ExecutionRun; disarm: () => void }>()

  constructor(private readonly deps: PermissionDeps) {}

  onControl(event: Record<string, unknown>, run: ExecutionRun): void {
    const cliId = String(event.request_id ?? '')
    if (event.type === 'control_cancel_request') {
      void this.withdrawn(run.execution.id, cliId).catch((err) =>
        this.deps.logger.error('permission cancel failed', { err: String(err) }),
      )
      return
    }
    const request = (event.request ?? {}) as Record<string, unknown>
    if (request.subtype !== 'can_use_tool') {
      this.deps.logger.warn('unknown control_request from the Claude CLI, answered with an error', {
        subtype: request.subtype,
        execution_id: run.execution.id,
      })
      run.answer({
        subtype: 'error',
        request_id: cliId,
        error: `cchub does not handle control_request subtype ${JSON.stringify(request.subtype)}`,
      })
      return
    }
    void this.open(run, cliId, request).catch((err) => {
      this.deps.logger.error('permission request failed; denied', { err: String(err), execution_id: run.execution.id })
      run.answer({
        subtype: 'success',
        request_id: cliId,
        response: { behavior: 'deny', message: 'cchub could not relay this permission request' },
      })
    })
  }

  async ended(executionId: string, reason: string): Promise<void> {
    for (const p of await this.deps.store.permissions.pending({ executionId })) {
      await this.settle(
        p,
        byCchub('cancelled', `The execution ended before an answer: ${reason}`, this.deps.clock.now()),
        false,
      )
    }
  }

  /** At start: no CLI from before is waiting any more, so whatever was pending is expired (and said so). */
  async expireLeftovers(): Promise<number> {
    const expired = await this.deps.store.permissions.expireAll(
      'cchub restarted while this request was pending',
      this.deps.clock.now(),
    )
    for (const p of expired) await this.publish(p, 'permission_resolved', resolvedPayload(p))
    return expired.length
  }

  async pending(user: UserRecord, sessionId: string) {
    await this.deps.access.require(user, sessionId, 'viewer')
    return {
      session_id: sessionId,
      permissions: (await this.deps.store.permissions.pending({ sessionId })).map(toPermissionView),
    }
  }

  /** One person's answer; only the first valid one reaches the CLI, later ones get ALREADY_RESOLVED. */
  async answer(user: UserRecord, requestId: string, a: PermissionAnswer, sessionId?: string) {
    const p = await this.deps.store.permissions.byId(requestId)
    if (
      !p ||
      (sessionId !== undefined && p.session_id !== sessionId) ||
      !(await this.deps.access.canReadSession(user, p.session_id))
    )
      throw notFound('Permission request')
    await this.deps.access.require(user, p.session_id, 'collaborator')
    if (p.status !== 'pending') throw alreadyResolved(p)
    const response = await this.deps.policy.response(user, p, a)
    const outcome: Outcome = {
      status: a.decision === 'allow' ? 'allowed' : 'denied',
      scope: a.decision === 'allow' ? (a.scope ?? 'once') : null,
      response,
      message: typeof response.message === 'string' ? response.message : null,
      decided_by: user.id,
      decided_by_name: user.username,
      decided_at: this.deps.clock.now(),
    }
    const settled = await this.settle(p, outcome, true)
    if (!settled) throw alreadyResolved((await this.deps.store.permissions.byId(p.id)) ?? p)
    return toPermissionView(settled)
  }

  private async open(run: ExecutionRun, cliId: string, asked: Record<string, unknown>): Promise<void> {
    const e = run.execution
    const p = await recordOf(this.deps.store, run, cliId, asked, this.deps.clock.now(), this.deps.timeoutMs)
    await this.deps.store.permissions.create(p)
    this.waiting.set(p.id, { run, disarm: this.deps.clock.after(this.deps.timeoutMs, () => void this.timedOut(p.id)) })
    await this.publish(p, MESSAGE_TYPE[p.kind], toPermissionView(p))
    const runner = await this.deps.store.users.byId(e.user_id)
    const refusal = runner
      ? await this.deps.policy.refusal(runner, p)
      : 'the user who started this execution no longer exists'
    if (refusal) {
      // nobody is asked for what the server would not allow this execution's user anyway
      await this.settle(p, deniedByCchub('denied', `Denied by cchub's policy: ${refusal}`, this.deps.clock.now()), true)
      return
    }
    const waiting = await this.deps.store.executions.setStatusIf(e.id, 'running', 'waiting_for_permission')
    if (waiting) await this.status(waiting.id, run)
  }

  private async timedOut(id: string): Promise<void> {
    const p = await this.deps.store.permissions.byId(id)
    if (p?.status !== 'pending') return
    const message = `No answer within ${Math.round(this.deps.timeoutMs / 1000)} s (CCHUB_PERMISSION_TIMEOUT): denied by cchub`
    await this.settle(p, deniedByCchub('timed_out', message, this.deps.clock.now()), true)
  }

  private async withdrawn(executionId: string, cliId: string): Promise<void> {
    const p = await this.deps.store.permissions.byCliId(executionId, cliId)
    if (p?.status === 'pending')
      await this.settle(
        p,
        byCchub('cancelled', 'The Claude CLI withdrew the request (the turn was interrupted)', this.deps.clock.now()),
        false,
      )
  }

  /**
   * The one way out of pending: stored first (atomically), then the CLI is told, then everyone. Null when someone was
   * first.
   */
  private async settle(p: PermissionRecord, o: Outcome, tellCli: boolean): Promise<PermissionRecord | null> {
    const settled = await this.deps.store.permissions.settle(p.id, o)
    if (!settled) return null
    const live = this.waiting.get(p.id)
    this.waiting.delete(p.id)
    live?.disarm()
    if (tellCli && live && o.response)
      live.run.answer({ subtype: 'success', request_id: p.cli_request_id, response: o.response })
    await this.publish(settled, 'permission_resolved', resolvedPayload(settled))
    if ((await this.deps.store.permissions.pending({ executionId: p.execution_id })).length === 0) {
      const running = await this.deps.store.executions.setStatusIf(p.execution_id, 'waiting_for_permission', 'running')
      if (running) await this.status(running.id, live?.run)
    }
    return settled
  }

  private async status(executionId: string, run: ExecutionRun | undefined): Promise<void> {
    const e = await this.deps.store.executions.byId(executionId)
    const session = e ? await this.deps.store.sessions.byId(e.session_id) : null
    if (e)
      await publishStatus(this.deps.log, e, session?.owner_id ?? e.user_id, run ? { progress: run.relay.progress } : {})
  }

  private async publish(p: PermissionRecord, type: string, data: unknown): Promise<void> {
    await Promise.all([
      this.deps.log.emit(sessionChannel(p.session_id), type, data),
      this.deps.log.emit(taskChannel(p.execution_id), type, data),
    ])
  }
}
