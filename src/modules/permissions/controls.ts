// Mid-session controls on the live CLI: permission mode and model, role-gated, policy-checked and published.
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import type { UserRecord } from '../../store/records.ts'
import type { SessionAccess } from '../sessions/access.ts'
import type { PermissionMode } from '../claude/cli/args.ts'
import type { ExecutionEngine } from '../claude/engine/execution-engine.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import type { PermissionPolicy } from './policy.ts'
import { sessionChannel } from '../realtime/channels.ts'
import { iso } from '../../core/iso.ts'

export class SessionControls {
  constructor(
    private readonly deps: {
      engine: ExecutionEngine
      access: SessionAccess
      policy: PermissionPolicy
      log: ChannelLog
      clock: Clock
    },
  ) {}

  /** set_permission_mode on the live process; bypassPermissions and role modes are checked as for execute. */
  async setPermissionMode(user: UserRecord, sessionId: string, mode: PermissionMode) {
    await this.deps.access.require(user, sessionId, 'collaborator')
    await this.deps.policy.checkMode(user, mode)
    const cli = await this.send(sessionId, { subtype: 'set_permission_mode', mode })
    return this.changed(user, sessionId, 'permission_mode_changed', { permission_mode: mode, cli_response: cli })
  }

  async setModel(user: UserRecord, sessionId: string, model: string) {
    await this.deps.access.require(user, sessionId, 'collaborator')
    const cli = await this.send(sessionId, { subtype: 'set_model', model })
    return this.changed(user, sessionId, 'model_changed', { model, cli_response: cli })
  }

  private async send(sessionId: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const sp = this.deps.engine.liveProcess(sessionId)
    if (!sp) {
      throw new AppError(
        'NO_LIVE_PROCESS',
        409,
        'This session has no running Claude process; the next execute sets permission_mode and model in its body',
      )
    }
    try {
      return await sp.control(request)
    } catch (err) {
      throw new AppError(
        'VALIDATION_FAILED',
        422,
        `The Claude CLI refused ${request.subtype}: ${(err as Error).message}`,
      )
    }
  }

  private async changed(user: UserRecord, sessionId: string, type: string, data: Record<string, unknown>) {
    const payload = {
      session_id: sessionId,
      ...data,
      by: { user_id: user.id, username: user.username },
      at: iso(this.deps.clock.now()),
    }
    await this.deps.log.emit(sessionChannel(sessionId), type, payload)
    return payload
  }
}
