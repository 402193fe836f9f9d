// TypeBox schemas for the Claude CLI stream-json events (stdout) and input messages (stdin) the server relies on; verified against CLI 2.1.197 and 2.1.330.
import { Type, type Static, type TSchema } from '@sinclair/typebox'

// Every object schema stays open (TypeBox default): the CLI adds fields between versions and we pass them through.

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const UsageSchema = Type.Object({
  input_tokens: Type.Number(),
  output_tokens: Type.Number(),
  cache_creation_input_tokens: Type.Optional(Type.Number()),
  cache_read_input_tokens: Type.Optional(Type.Number()),
})

export const TextBlockSchema = Type.Object({ type: Type.Literal('text'), text: Type.String() })
export const ToolUseBlockSchema = Type.Object({
  type: Type.Literal('tool_use'),
  id: Type.String(),
  name: Type.String(),
  input: Type.Unknown(),
})
export const ToolResultBlockSchema = Type.Object({
  type: Type.Literal('tool_result'),
  tool_use_id: Type.String(),
  content: Type.Optional(Type.Unknown()),
  is_error: Type.Optional(Type.Boolean()),
})
/** Any other block type (thinking, image, server tools...) passes as long as it names its type. */
export const OtherBlockSchema = Type.Object({ type: Type.String() })
export const ContentBlockSchema = Type.Union([TextBlockSchema, ToolUseBlockSchema, ToolResultBlockSchema, OtherBlockSchema])

// ---- system events -------------------------------------------------------------------------

/** First line of every turn (re-emitted per turn in --input-format stream-json mode). */
export const SystemInitEventSchema = Type.Object({
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
export const SystemStatusEventSchema = Type.Object({
  type: Type.Literal('system'),
  subtype: Type.Literal('status'),
  status: Nullable(Type.String()),
  session_id: Type.String(),
})

/** One per retried API call; absent when CLAUDE_CODE_MAX_RETRIES=0. */
export const SystemApiRetryEventSchema = Type.Object({
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
export const SystemPermissionDeniedEventSchema = Type.Object({
  type: Type.Literal('system'),
  subtype: Type.Literal('permission_denied'),
  tool_name: Type.String(),
  tool_use_id: Type.String(),
  message: Type.String(),
  session_id: Type.String(),
})

// ---- stream_event (only with --include-partial-messages) -----------------------------------

export const TextDeltaSchema = Type.Object({ type: Type.Literal('text_delta'), text: Type.String() })
export const InputJsonDeltaSchema = Type.Object({ type: Type.Literal('input_json_delta'), partial_json: Type.String() })

export const MessageStartSchema = Type.Object({
  type: Type.Literal('message_start'),
  message: Type.Object({ id: Type.String(), model: Type.String(), usage: Type.Optional(UsageSchema) }),
})
export const ContentBlockStartSchema = Type.Object({
  type: Type.Literal('content_block_start'),
  index: Type.Number(),
  content_block: OtherBlockSchema,
})
export const ContentBlockDeltaSchema = Type.Object({
  type: Type.Literal('content_block_delta'),
  index: Type.Number(),
  delta: Type.Union([TextDeltaSchema, InputJsonDeltaSchema, Type.Object({ type: Type.String() })]),
})
export const ContentBlockStopSchema = Type.Object({ type: Type.Literal('content_block_stop'), index: Type.Number() })
export const MessageDeltaSchema = Type.Object({
  type: Type.Literal('message_delta'),
  delta: Type.Object({ stop_reason: Nullable(Type.String()) }),
  usage: Type.Optional(Type.Object({})),
})
export const MessageStopSchema = Type.Object({ type: Type.Literal('message_stop') })

export const AnthropicStreamEventSchema = Type.Union([
  MessageStartSchema,
  ContentBlockStartSchema,
  ContentBlockDeltaSchema,
  ContentBlockStopSchema,
  MessageDeltaSchema,
  MessageStopSchema,
])

export const StreamEventSchema = Type.Object({
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
export const AssistantEventSchema = Type.Object({
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
export const UserEventSchema = Type.Object({
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

export const PermissionDenialSchema = Type.Object({
  tool_name: Type.String(),
  tool_use_id: Type.String(),
  tool_input: Type.Unknown(),
})

/**
 * End of a turn. subtype: "success" (also for API errors, then is_error=true and api_error_status set),
 * "error_during_execution" (interrupt, unknown --resume id), "error_max_turns".
 * `result` and `api_error_status` are absent on the error_* subtypes.
 */
export const ResultEventSchema = Type.Object({
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
export const ControlResponseEventSchema = Type.Object({
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

// ---- stdin (--input-format stream-json) ----------------------------------------------------

/** One line per user turn. session_id / parent_tool_use_id are accepted but ignored by the CLI. */
export const UserInputMessageSchema = Type.Object({
  type: Type.Literal('user'),
  message: Type.Object({
    role: Type.Literal('user'),
    content: Type.Union([Type.String(), Type.Array(ContentBlockSchema)]),
  }),
  parent_tool_use_id: Type.Optional(Type.Null()),
  session_id: Type.Optional(Type.String()),
})

/** Stops the running turn; answered with a control_response carrying the same request_id. */
export const InterruptRequestSchema = Type.Object({
  type: Type.Literal('control_request'),
  request_id: Type.String(),
  request: Type.Object({ subtype: Type.Literal('interrupt') }),
})

export type Usage = Static<typeof UsageSchema>
export type ContentBlock = Static<typeof ContentBlockSchema>
export type SystemInitEvent = Static<typeof SystemInitEventSchema>
export type SystemStatusEvent = Static<typeof SystemStatusEventSchema>
export type SystemApiRetryEvent = Static<typeof SystemApiRetryEventSchema>
export type SystemPermissionDeniedEvent = Static<typeof SystemPermissionDeniedEventSchema>
export type AnthropicStreamEvent = Static<typeof AnthropicStreamEventSchema>
export type StreamEvent = Static<typeof StreamEventSchema>
export type AssistantEvent = Static<typeof AssistantEventSchema>
export type UserEvent = Static<typeof UserEventSchema>
export type PermissionDenial = Static<typeof PermissionDenialSchema>
export type ResultEvent = Static<typeof ResultEventSchema>
export type ControlResponseEvent = Static<typeof ControlResponseEventSchema>
export type UserInputMessage = Static<typeof UserInputMessageSchema>
export type InterruptRequest = Static<typeof InterruptRequestSchema>

/** Builds the stdin line for a user turn (newline included) — the CLI exits on a malformed line. */
export function userInputLine(content: UserInputMessage['message']['content']): string {
  const message: UserInputMessage = { type: 'user', message: { role: 'user', content } }
  return `${JSON.stringify(message)}\n`
}

/** Builds the stdin line for an interrupt control_request (newline included). */
export function interruptLine(requestId: string): string {
  const request: InterruptRequest = { type: 'control_request', request_id: requestId, request: { subtype: 'interrupt' } }
  return `${JSON.stringify(request)}\n`
}
