// TypeBox schemas of the Claude CLI's stream-json stdout events, verified by the samples against 2.1.197 and 2.1.330.
import { Type, type TSchema } from '@sinclair/typebox'
import { ContentBlockSchema, OtherBlockSchema } from '../../src/modules/claude/cli/events.ts'

// Every object schema stays open (TypeBox default): the CLI adds fields between versions and the server passes them on.

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

const UsageSchema = Type.Object({
  input_tokens: Type.Number(),
  output_tokens: Type.Number(),
  cache_creation_input_tokens: Type.Optional(Type.Number()),
  cache_read_input_tokens: Type.Optional(Type.Number()),
})

// ---- system events -------------------------------------------------------------------------

/** First line of every turn (re-emitted per turn in --input-format stream-json mode). */
const SystemInitEventSchema = Type.Object({
  type: Type.Literal('system'),
  subtype: Type.Literal('init'),
  session_id: Type.String(),
  cwd: Type.String(),
  model: Type.String(),
  tools: Type.Array(Type.String()),
  permissionMode: Type.String(),
  claude_code_version: Type.String(),
  mcp_servers: Type.Array(Type.Unknown()),
  apiKeySource: Type.Optional(Type.String()),
  slash_commands: Type.Optional(Type.Array(Type.String())),
  uuid: Type.String(),
})

/** Only with --include-partial-messages: emitted right before each API request. */
const SystemStatusEventSchema = Type.Object({
  type: Type.Literal('system'),
  subtype: Type.Literal('status'),
  status: Nullable(Type.String()),
  session_id: Type.String(),
})

/** One per retried API call; absent when CLAUDE_CODE_MAX_RETRIES=0. */
const SystemApiRetryEventSchema = Type.Object({
  type: Type.Literal('system'),
  subtype: Type.Literal('api_retry'),
  attempt: Type.Number(),
  max_retries: Type.Number(),
  retry_delay_ms: Type.Number(),
  error_status: Nullable(Type.Number()),
  error: Type.String(),
  session_id: Type.String(),
})

/** 2.1.330+: a tool call was refused by the permission layer (2.1.197 only lists it in result.permission_denials). */
const SystemPermissionDeniedEventSchema = Type.Object({
  type: Type.Literal('system'),
  subtype: Type.Literal('permission_denied'),
  tool_name: Type.String(),
  tool_use_id: Type.String(),
  message: Type.String(),
  session_id: Type.String(),
})

// ---- stream_event (only with --include-partial-messages) -----------------------------------

const TextDeltaSchema = Type.Object({ type: Type.Literal('text_delta'), text: Type.String() })
const InputJsonDeltaSchema = Type.Object({ type: Type.Literal('input_json_delta'), partial_json: Type.String() })

const MessageStartSchema = Type.Object({
  type: Type.Literal('message_start'),
  message: Type.Object({ id: Type.String(), model: Type.String(), usage: Type.Optional(UsageSchema) }),
})
const ContentBlockStartSchema = Type.Object({
  type: Type.Literal('content_block_start'),
  index: Type.Number(),
  content_block: OtherBlockSchema,
})
const ContentBlockDeltaSchema = Type.Object({
  type: Type.Literal('content_block_delta'),
  index: Type.Number(),
  delta: Type.Union([TextDeltaSchema, InputJsonDeltaSchema, Type.Object({ type: Type.String() })]),
})
const ContentBlockStopSchema = Type.Object({ type: Type.Literal('content_block_stop'), index: Type.Number() })
const MessageDeltaSchema = Type.Object({
  type: Type.Literal('message_delta'),
  delta: Type.Object({ stop_reason: Nullable(Type.String()) }),
  usage: Type.Optional(Type.Object({})),
})
const MessageStopSchema = Type.Object({ type: Type.Literal('message_stop') })

const AnthropicStreamEventSchema = Type.Union([
  MessageStartSchema,
  ContentBlockStartSchema,
  ContentBlockDeltaSchema,
  ContentBlockStopSchema,
  MessageDeltaSchema,
  MessageStopSchema,
])

const StreamEventSchema = Type.Object({
  type: Type.Literal('stream_event'),
  event: AnthropicStreamEventSchema,
  session_id: Type.String(),
  parent_tool_use_id: Nullable(Type.String()),
  uuid: Type.String(),
})

// ---- conversation messages -----------------------------------------------------------------

/**
 * A complete assistant message (one per content block in practice). API failures arrive as a
 * synthetic one: message.model "<synthetic>", top-level `error` (e.g. "server_error") and, on
 * 2.1.330+, is_api_error_message / api_error_status / api_error_type.
 */
const AssistantEventSchema = Type.Object({
  type: Type.Literal('assistant'),
  message: Type.Object({
    id: Type.String(),
    role: Type.Literal('assistant'),
    model: Type.String(),
    content: Type.Array(ContentBlockSchema),
    stop_reason: Nullable(Type.String()),
  }),
  parent_tool_use_id: Nullable(Type.String()),
  session_id: Type.String(),
  uuid: Type.String(),
  error: Type.Optional(Type.String()),
  api_error_status: Type.Optional(Nullable(Type.Number())),
  aborted: Type.Optional(Type.Boolean()),
})

/** Tool results, "[Request interrupted by user]" markers and (with --replay-user-messages) echoed input. */
const UserEventSchema = Type.Object({
  type: Type.Literal('user'),
  message: Type.Object({
    role: Type.Literal('user'),
    content: Type.Union([Type.String(), Type.Array(ContentBlockSchema)]),
  }),
  parent_tool_use_id: Nullable(Type.String()),
  session_id: Type.String(),
  uuid: Type.Optional(Type.String()),
  tool_use_result: Type.Optional(Type.Unknown()),
  isReplay: Type.Optional(Type.Boolean()),
})

const PermissionDenialSchema = Type.Object({
  tool_name: Type.String(),
  tool_use_id: Type.String(),
  tool_input: Type.Unknown(),
})

/**
 * End of a turn. subtype: "success" (also for API errors, then is_error=true and api_error_status set),
 * "error_during_execution" (interrupt, unknown --resume id), "error_max_turns".
 * `result` and `api_error_status` are absent on the error_* subtypes.
 */
const ResultEventSchema = Type.Object({
  type: Type.Literal('result'),
  subtype: Type.String(),
  is_error: Type.Boolean(),
  duration_ms: Type.Number(),
  duration_api_ms: Type.Number(),
  num_turns: Type.Number(),
  session_id: Type.String(),
  total_cost_usd: Type.Number(),
  usage: UsageSchema,
  permission_denials: Type.Array(PermissionDenialSchema),
  result: Type.Optional(Type.String()),
  api_error_status: Type.Optional(Nullable(Type.Number())),
  stop_reason: Nullable(Type.String()),
  terminal_reason: Type.Optional(Nullable(Type.String())),
  errors: Type.Optional(Type.Array(Type.String())),
  modelUsage: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  uuid: Type.String(),
})

/** Answer to a stdin control_request; 2.1.330 adds response.response = { still_queued: [] } for interrupts. */
const ControlResponseEventSchema = Type.Object({
  type: Type.Literal('control_response'),
  response: Type.Object({
    subtype: Type.Union([Type.Literal('success'), Type.Literal('error')]),
    request_id: Type.String(),
    response: Type.Optional(Type.Unknown()),
    error: Type.Optional(Type.String()),
  }),
})

/** Schema per "type" or "type:subtype" key, for validating or routing known events. */
export const CLI_EVENT_SCHEMAS = {
  'system:init': SystemInitEventSchema,
  'system:status': SystemStatusEventSchema,
  'system:api_retry': SystemApiRetryEventSchema,
  'system:permission_denied': SystemPermissionDeniedEventSchema,
  stream_event: StreamEventSchema,
  assistant: AssistantEventSchema,
  user: UserEventSchema,
  result: ResultEventSchema,
  control_response: ControlResponseEventSchema,
} as const

export type CliEventKey = keyof typeof CLI_EVENT_SCHEMAS
