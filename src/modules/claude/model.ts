// TypeBox schemas for executions, sessions and logs: the bodies and replies of /api/v1/claude.
import { t } from 'elysia'
import { PERMISSION_MODES } from './cli/args.ts'

export const PermissionModeSchema = t.Union(PERMISSION_MODES.map((m) => t.Literal(m)))
export const ExecutionStatusSchema = t.Union([
  t.Literal('queued'),
  t.Literal('running'),
  t.Literal('waiting_for_permission'),
  t.Literal('completed'),
  t.Literal('failed'),
  t.Literal('cancelled'),
  t.Literal('timed_out'),
  t.Literal('interrupted'),
])

export const ExecuteBody = t.Object({
  workspace_id: t.String({ minLength: 1, maxLength: 64 }),
  prompt: t.String({ minLength: 1, maxLength: 200_000 }),
  session_id: t.Optional(
    t.String({ minLength: 1, maxLength: 64, description: 'Continue this session; omit to start a new one' }),
  ),
  system_prompt: t.Optional(t.String({ maxLength: 100_000 })),
  append_system_prompt: t.Optional(t.String({ maxLength: 100_000 })),
  max_turns: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
  tools: t.Optional(
    t.Array(t.String({ minLength: 1, maxLength: 200, pattern: '^[^-\\s][^\\n]*$' }), {
      maxItems: 100,
      description:
        'Tool rules for --allowedTools, split as the CLI splits them ("Read(x),Bash" is two rules; ambiguous entries get 422); each rule is checked against CCHUB_CLAUDE_ALLOWED_TOOLS and, for non-admins, GET /api/v1/admin/tool-policy',
    }),
  ),
  model: t.Optional(t.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:\\[\\]-]+$' })),
  permission_mode: t.Optional(PermissionModeSchema),
  stream: t.Optional(
    t.Boolean({ description: 'Accepted for compatibility; output is always streamed to the channels' }),
  ),
  metadata: t.Optional(t.Record(t.String(), t.Unknown())),
  file_ids: t.Optional(
    t.Array(t.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 50,
      description: 'Uploaded files (same workspace) to name in the prompt: Claude is told their uploads/ paths',
    }),
  ),
})
export type ExecuteBody = typeof ExecuteBody.static

export const ExecuteResponse = t.Object(
  {
    execution_id: t.String(),
    session_id: t.String(),
    status: ExecutionStatusSchema,
    queue_position: t.Nullable(t.Integer()),
    node_id: t.String({
      description:
        "The node whose queue holds the execution (the session's node); queue_position counts that node's queue only",
    }),
    websocket_url: t.String({ examples: ['/ws/executions/0193…'] }),
  },
  { title: 'ExecuteResponse' },
)

const Progress = t.Object({
  turns: t.Integer(),
  messages: t.Integer(),
  input_tokens: t.Number(),
  output_tokens: t.Number(),
})
export const Execution = t.Object(
  {
    id: t.String(),
    session_id: t.String(),
    workspace_id: t.String(),
    user_id: t.String(),
    prompt: t.String(),
    options: t.Record(t.String(), t.Unknown()),
    status: ExecutionStatusSchema,
    queue_position: t.Nullable(
      t.Integer({ description: "Position in the queue of node_id's node; null when not queued" }),
    ),
    node_id: t.Nullable(
      t.String({
        description:
          "The node that queues or runs the execution (its session's node), whichever node answers; null once it has ended, or while that node is gone",
      }),
    ),
    error: t.Nullable(t.String()),
    exit_code: t.Nullable(t.Integer()),
    num_turns: t.Integer(),
    message_count: t.Integer(),
    total_cost_usd: t.Nullable(t.Number()),
    usage: t.Nullable(t.Record(t.String(), t.Number())),
    permission_denials: t.Nullable(t.Array(t.Unknown())),
    stderr: t.Nullable(t.String()),
    progress: t.Optional(Progress),
    created_at: t.String({ format: 'date-time' }),
    started_at: t.Nullable(t.String({ format: 'date-time' })),
    finished_at: t.Nullable(t.String({ format: 'date-time' })),
    duration_ms: t.Nullable(t.Number()),
  },
  { title: 'Execution' },
)
export const ExecutionList = t.Object({ executions: t.Array(Execution), total: t.Integer() })
export const ExecutionQuery = t.Object({
  session_id: t.Optional(t.String({ maxLength: 64 })),
  status: t.Optional(ExecutionStatusSchema),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: t.Optional(t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
})

export const Session = t.Object(
  {
    id: t.String(),
    workspace_id: t.String(),
    owner_id: t.String(),
    title: t.Nullable(t.String()),
    cli_session_id: t.Nullable(
      t.String({ description: 'Resume in a terminal with: claude --resume <cli_session_id>' }),
    ),
    status: t.Union([t.Literal('active'), t.Literal('closed')]),
    role: t.Optional(t.String({ description: 'Your role on this session' })),
    total_cost_usd: t.Number(),
    usage: t.Record(t.String(), t.Number()),
    current_execution_id: t.Optional(t.Nullable(t.String())),
    current_status: t.Optional(
      t.Nullable(t.Union([t.Literal('queued'), t.Literal('running'), t.Literal('waiting_for_permission')]), {
        description:
          'In lists: what the current execution is doing (null: idle); live changes come as `status` on workspace:<id>',
      }),
    ),
    created_at: t.String({ format: 'date-time' }),
    updated_at: t.String({ format: 'date-time' }),
    closed_at: t.Nullable(t.String({ format: 'date-time' })),
  },
  { title: 'Session' },
)
export const CreateSessionBody = t.Object({
  workspace_id: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 64,
      description: 'Omit for your default workspace (GET /api/v1/workspaces/default)',
    }),
  ),
  title: t.Optional(t.String({ maxLength: 200 })),
})
export const ClosedSession = t.Composite([Session, t.Object({ message: t.Literal('Session closed') })], {
  title: 'ClosedSession',
})
export const SessionList = t.Object({ sessions: t.Array(Session), total: t.Integer() })
export const SessionQuery = t.Object({
  workspace_id: t.Optional(t.String({ maxLength: 64 })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: t.Optional(t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
})
export const LogEntry = t.Object({
  seq: t.Integer(),
  type: t.String(),
  data: t.Unknown(),
  timestamp: t.String({ format: 'date-time' }),
})
export const LogsResponse = t.Object({
  session_id: t.String(),
  logs: t.Array(LogEntry),
  count: t.Integer(),
  next_before: t.Nullable(t.Integer()),
})
export const LogsQuery = t.Object({
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  before: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Only entries with seq < before (page backwards)',
    }),
  ),
})
export const TerminalSession = t.Object({
  cli_session_id: t.String(),
  modified_at: t.String({ format: 'date-time' }),
  size: t.Integer(),
  first_prompt: t.Nullable(t.String()),
  imported_session_id: t.Nullable(t.String()),
})
export const ImportSessionBody = t.Object({
  workspace_id: t.String({ minLength: 1, maxLength: 64 }),
  cli_session_id: t.String({ pattern: '^[0-9a-fA-F-]{36}$' }),
  title: t.Optional(t.String({ maxLength: 200 })),
})
export const IdParam = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })
