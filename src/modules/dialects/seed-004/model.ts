// TypeBox schemas of seed 004's (AgenticGoKit web UI) frames: {type, session_id?, message_id, timestamp, data}.
import { Type as T, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

/** What a seed-004 client sends: no `id` (cchub's request id) and no `payload` (seed 003). */
export const ClientFrame = T.Object({
  type: T.String({ minLength: 1, maxLength: 64 }),
  session_id: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
  message_id: T.Optional(T.String({ maxLength: 128 })),
  timestamp: T.Optional(T.String({ maxLength: 64 })),
  data: T.Optional(T.Record(T.String(), T.Unknown())),
})
export type ClientFrame = Static<typeof ClientFrame>

export const SessionCreateData = T.Object({
  user_agent: T.Optional(T.String()),
  workspace_id: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
  title: T.Optional(T.String({ maxLength: 200 })),
})
export const ChatMessageData = T.Object({
  content: T.String({ minLength: 1 }),
  message_type: T.Optional(T.String()),
})

/** Every frame the server sends a seed-004 socket. */
export const ServerFrame = T.Object({
  type: T.String(),
  session_id: T.Optional(T.String()),
  message_id: T.String(),
  timestamp: T.String({ format: 'date-time' }),
  data: T.Record(T.String(), T.Unknown()),
})
export type ServerFrame = Static<typeof ServerFrame>

/** `agent_progress` data: what Claude is doing in an execution. */
export const AgentProgressData = T.Object({
  agent_name: T.String(),
  execution_id: T.String(),
  progress_type: T.Union(['accepted', 'status', 'text', 'tool_use', 'tool_result'].map((k) => T.Literal(k))),
  content: T.Optional(T.String()),
  status: T.Optional(T.String()),
  tool_name: T.Optional(T.String()),
  tool_input: T.Optional(T.Unknown()),
  tool_use_id: T.Optional(T.String()),
  is_error: T.Optional(T.Boolean()),
})
export type AgentProgressData = Static<typeof AgentProgressData>

/** `agent_response` data: the reply, once per execution. */
export const AgentResponseData = T.Object({
  agent_name: T.String(),
  content: T.String(),
  status: T.Union([T.Literal('complete'), T.Literal('error')]),
  execution_id: T.String(),
  execution_status: T.String(),
  error: T.Optional(T.Union([T.String(), T.Null()])),
})

export const clientFrame = TypeCompiler.Compile(ClientFrame)
export const sessionCreateData = TypeCompiler.Compile(SessionCreateData)
export const chatMessageData = TypeCompiler.Compile(ChatMessageData)

export const SEED_TYPES = new Set(['session_create', 'session_join', 'chat_message', 'typing', 'ping'])
/** Types cchub's own protocol has too: only the seed's ISO timestamp and top-level session_id tell them apart. */
const SHARED_TYPES = new Set(['session_join', 'typing'])

/**
 * Whether a first frame is seed 004's: session_create or chat_message in its shape, or session_join / typing (which
 * cchub's protocol and seed 001 have too) with the seed's ISO string timestamp and a top-level session_id: seed 001
 * sends numeric timestamps and cchub's clients an `id`. A first `ping` (or cchub's `auth`) is not claimed: seed 000
 * sends the very same frame, so it decides nothing and the next frame picks the dialect (dialect-router.ts).
 */
export function isSeed004Frame(frame: unknown): boolean {
  if (!clientFrame.Check(frame) || 'id' in frame || 'payload' in frame || 'channel' in frame) return false
  if (frame.timestamp !== undefined && Number.isNaN(Date.parse(frame.timestamp))) return false
  if (frame.type === 'session_create' || frame.type === 'chat_message') return true
  return SHARED_TYPES.has(frame.type) && frame.timestamp !== undefined && frame.session_id !== undefined
}
