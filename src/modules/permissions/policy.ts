// What an answer may grant: the server's tool policy and the sandbox apply whatever anyone approves.
import { AppError, invalid } from '../../core/errors.ts'
import type { PermissionRecord, UserRecord } from '../../store/records.ts'
import type { PermissionMode } from '../claude/cli/args.ts'
import type { SandboxStatus } from '../claude/cli/sandbox.ts'
import { requireSandboxFor } from '../claude/sandbox-policy.ts'
import type { ToolPolicyService } from '../tool-policy/service.ts'
import type { PermissionAnswer } from './model.ts'

type Suggestion = { type?: string; mode?: string; destination?: string }

export class PermissionPolicy {
  constructor(
    private readonly toolPolicy: ToolPolicyService,
    private readonly sandbox: SandboxStatus,
  ) {}

  /**
   * Why `user` may not run the tool (null when they may). Questions and plans touch nothing, so they are never refused.
   */
  async refusal(user: UserRecord, p: Pick<PermissionRecord, 'kind' | 'tool_name'>): Promise<string | null> {
    if (p.kind !== 'tool') return null
    try {
      await this.toolPolicy.check(user, [p.tool_name], undefined)
      requireSandboxFor({ role: user.role, tools: [p.tool_name] }, this.sandbox)
      return null
    } catch (err) {
      if (err instanceof AppError) return err.message
      throw err
    }
  }

  /** Throws FORBIDDEN / SANDBOX_REQUIRED when `user` may not put the session in `mode` (same rules as execute). */
  async checkMode(user: UserRecord, mode: PermissionMode): Promise<void> {
    await this.toolPolicy.check(user, undefined, mode)
    requireSandboxFor({ role: user.role, permissionMode: mode }, this.sandbox)
  }

  /** The inner `response` of the control_response for `user`'s answer; throws when they may not grant it. */
  async response(user: UserRecord, p: PermissionRecord, a: PermissionAnswer): Promise<Record<string, unknown>> {
    if (a.decision === 'deny') return { behavior: 'deny', message: a.message?.trim() || `Denied by ${user.username}` }
    const refusal = await this.refusal(user, p)
    if (refusal)
      throw new AppError('FORBIDDEN', 403, `You may not allow ${p.tool_name}: ${refusal}`, {
        details: { tool: p.tool_name },
      })
    // the CLI needs an object here always: the original input when nobody changed it
    let input = a.updated_input ?? p.input
    if (p.kind === 'question') {
      if (!a.answers || Object.keys(a.answers).length === 0)
        throw invalid('Answer a question with answers: {"<question text>": "<chosen label>"}')
      input = {
        ...input,
        answers: Object.fromEntries(
          Object.entries(a.answers).map(([q, v]) => [q, Array.isArray(v) ? v.join(', ') : v]),
        ),
      }
    }
    const scope = a.scope ?? 'once'
    if (scope === 'persist' && user.role !== 'admin') {
      throw new AppError(
        'FORBIDDEN',
        403,
        'Only admins may allow beyond this session (project, user or local settings); use scope "session"',
      )
    }
    const suggested = Array.isArray(p.request.permission_suggestions)
      ? (p.request.permission_suggestions as Suggestion[])
      : []
    const perms = scope === 'once' ? [] : suggested.filter((s) => scope === 'persist' || s.destination === 'session')
    if (p.kind === 'plan' && a.permission_mode)
      perms.push({ type: 'setMode', mode: a.permission_mode, destination: 'session' })
    for (const s of perms) if (s.type === 'setMode' && s.mode) await this.checkMode(user, s.mode as PermissionMode)
    return { behavior: 'allow', updatedInput: input, ...(perms.length ? { updatedPermissions: perms } : {}) }
  }
}
