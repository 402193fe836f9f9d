// Public shapes of a permission request: the published `permission_request` data and the `permission_resolved` data.
import type { PermissionRecord } from '../../store/records.ts'
import type { PermissionResolved, PermissionView } from './model.ts'
import { iso } from '../../core/iso.ts'

const str = (v: unknown) => (typeof v === 'string' ? v : null)
/** Roles that may answer; viewers watch. */
export const CAN_ANSWER = ['owner', 'collaborator']

/** The channel message type each kind is published as. */
export const MESSAGE_TYPE = { tool: 'permission_request', question: 'question', plan: 'plan_approval' } as const

export function decisionOf(p: PermissionRecord): 'allow' | 'deny' | null {
  if (p.status === 'allowed') return 'allow'
  return p.status === 'pending' || p.status === 'cancelled' || p.status === 'expired' ? null : 'deny'
}

/** What names a request in both shapes. */
const identity = (p: PermissionRecord) => ({
  request_id: p.id,
  session_id: p.session_id,
  execution_id: p.execution_id,
  kind: p.kind,
  tool_name: p.tool_name,
})

const decider = (p: PermissionRecord) =>
  p.decided_by_name ? { user_id: p.decided_by, username: p.decided_by_name } : null

export function toPermissionView(p: PermissionRecord): typeof PermissionView.static {
  const r = p.request
  return {
    ...identity(p),
    display_name: str(r.display_name) ?? p.tool_name,
    tool_use_id: p.tool_use_id,
    input: p.input,
    description: str(r.description),
    title: str(r.title),
    blocked_path: str(r.blocked_path),
    decision_reason: r.decision_reason ?? null,
    agent_id: str(r.agent_id),
    suggestions: Array.isArray(r.permission_suggestions) ? (r.permission_suggestions as unknown[]) : [],
    ...(p.kind === 'question'
      ? { questions: Array.isArray(p.input.questions) ? (p.input.questions as unknown[]) : [] }
      : {}),
    ...(p.kind === 'plan' ? { plan: str(p.input.plan) ?? str(r.plan_from_tool_use) } : {}),
    can_answer: CAN_ANSWER,
    status: p.status,
    decision: decisionOf(p),
    scope: p.scope,
    message: p.message,
    decided_by: decider(p),
    decided_at: iso(p.decided_at),
    created_at: iso(p.created_at)!,
    expires_at: iso(p.expires_at)!,
  }
}

export function resolvedPayload(p: PermissionRecord): typeof PermissionResolved.static {
  const sent = p.response as { updatedPermissions?: unknown[] } | null
  return {
    ...identity(p),
    status: p.status,
    decision: decisionOf(p),
    scope: p.scope,
    message: p.message,
    by: decider(p),
    at: iso(p.decided_at),
    updated_permissions: sent?.updatedPermissions ?? [],
  }
}
