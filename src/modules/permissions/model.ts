// TypeBox schemas of permission requests, questions, plan approvals: REST bodies, WebSocket messages, published data.
import { Type as T } from '@sinclair/typebox'
import { t } from 'elysia'
import { PermissionModeSchema } from '../claude/model.ts'
import { clientMessage } from '../realtime/model.ts'

const Iso = t.String({ format: 'date-time' })
const Id = t.String({ minLength: 1, maxLength: 64 })
const Who = t.Nullable(
  t.Object(
    { user_id: t.Nullable(t.String()), username: t.String() },
    { description: 'null while pending; user_id null when cchub decided (timeout, policy, cancel, restart)' },
  ),
)

export const PermissionStatus = t.Union([
  t.Literal('pending'),
  t.Literal('allowed'),
  t.Literal('denied'),
  t.Literal('cancelled'),
  t.Literal('timed_out'),
  t.Literal('expired'),
])
export const PermissionScope = t.Union([t.Literal('once'), t.Literal('session'), t.Literal('persist')], {
  description:
    "once: this call only; session: also the CLI's own session-scoped suggestions (the same kind of call is not asked again in this session); persist: every suggestion, including project/user/local settings (admins only)",
})

const answerFields = {
  decision: t.Union([t.Literal('allow'), t.Literal('deny')]),
  scope: t.Optional(PermissionScope),
  updated_input: t.Optional(
    t.Record(t.String(), t.Unknown(), {
      description: 'Tool input to run instead of the requested one (allow only); default: unchanged',
    }),
  ),
  message: t.Optional(
    t.String({
      maxLength: 10_000,
      description: 'deny: what the model is told (a plan rejection carries the feedback)',
    }),
  ),
  answers: t.Optional(
    t.Record(
      t.String({ maxLength: 2000 }),
      t.Union([t.String({ maxLength: 2000 }), t.Array(t.String({ maxLength: 2000 }), { maxItems: 50 })]),
      {
        description:
          'question: chosen label(s) per question text; several labels (multiSelect) are joined with ", " for the CLI',
      },
    ),
  ),
  permission_mode: t.Optional(PermissionModeSchema),
}
export const PermissionAnswerBody = t.Object(answerFields, { title: 'PermissionAnswer' })
export type PermissionAnswer = typeof PermissionAnswerBody.static
export const PermissionParams = t.Object({ id: Id, request_id: Id })

export const PermissionView = t.Object(
  {
    request_id: t.String(),
    session_id: t.String(),
    execution_id: t.String(),
    kind: t.Union([t.Literal('tool'), t.Literal('question'), t.Literal('plan')]),
    tool_name: t.String(),
    display_name: t.String(),
    tool_use_id: t.Nullable(t.String()),
    input: t.Record(t.String(), t.Unknown()),
    description: t.Nullable(t.String()),
    title: t.Nullable(t.String()),
    blocked_path: t.Nullable(t.String()),
    decision_reason: t.Unknown(),
    agent_id: t.Nullable(t.String()),
    suggestions: t.Array(t.Unknown(), {
      description: "The CLI's permission_suggestions (sent back as updatedPermissions for scope session/persist)",
    }),
    questions: t.Optional(
      t.Array(t.Unknown(), {
        description: 'question: [{question, header, options:[{label, description}], multiSelect}]',
      }),
    ),
    plan: t.Optional(
      t.Nullable(
        t.String({
          description:
            'plan: the plan text (CLI 2.1.197 sends it in the input; for 2.1.330, which sends an empty input, cchub takes it from the tool_use the model sent)',
        }),
      ),
    ),
    can_answer: t.Array(t.String(), { description: 'Session roles that may answer' }),
    status: PermissionStatus,
    decision: t.Nullable(t.Union([t.Literal('allow'), t.Literal('deny')])),
    scope: t.Nullable(PermissionScope),
    message: t.Nullable(t.String()),
    decided_by: Who,
    decided_at: t.Nullable(Iso),
    created_at: Iso,
    expires_at: Iso,
  },
  { title: 'PermissionRequest' },
)
export const PermissionResolved = t.Object(
  {
    request_id: t.String(),
    session_id: t.String(),
    execution_id: t.String(),
    kind: PermissionView.properties.kind,
    tool_name: t.String(),
    status: PermissionStatus,
    decision: PermissionView.properties.decision,
    scope: t.Nullable(PermissionScope),
    message: t.Nullable(t.String()),
    by: Who,
    at: t.Nullable(Iso),
    updated_permissions: t.Array(t.Unknown(), { description: 'What was sent to the CLI as updatedPermissions' }),
  },
  { title: 'PermissionResolved' },
)
export const PermissionList = t.Object({ session_id: t.String(), permissions: t.Array(PermissionView) })

// ---- WebSocket --------------------------------------------------------------------------------------

export const PermissionResponseMessage = clientMessage(
  'permission_response',
  T.Object({ request_id: T.String({ minLength: 1, maxLength: 64 }), ...answerFields }),
)
export const SetPermissionModeMessage = clientMessage(
  'set_permission_mode',
  T.Object({ session_id: T.String({ minLength: 1, maxLength: 64 }), mode: PermissionModeSchema }),
)
export const SetModelMessage = clientMessage(
  'set_model',
  T.Object({
    session_id: T.String({ minLength: 1, maxLength: 64 }),
    model: T.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:\\[\\]-]+$' }),
  }),
)
