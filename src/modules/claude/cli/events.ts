// TypeBox schemas and builders for the stream-json lines the server writes to the CLI's stdin (user turns, interrupts).
import { Type, type Static } from '@sinclair/typebox'

// Object schemas stay open (TypeBox default): the CLI adds fields between versions. The stdout events' schemas are in
// test/support/cli-events.ts, where the recorded samples are checked against them.

const TextBlockSchema = Type.Object({ type: Type.Literal('text'), text: Type.String() })
const ToolUseBlockSchema = Type.Object({
  type: Type.Literal('tool_use'),
  id: Type.String(),
  name: Type.String(),
  input: Type.Unknown(),
})
const ToolResultBlockSchema = Type.Object({
  type: Type.Literal('tool_result'),
  tool_use_id: Type.String(),
  content: Type.Optional(Type.Unknown()),
  is_error: Type.Optional(Type.Boolean()),
})
/** Any other block type (thinking, image, server tools...) passes as long as it names its type. */
export const OtherBlockSchema = Type.Object({ type: Type.String() })
export const ContentBlockSchema = Type.Union([
  TextBlockSchema,
  ToolUseBlockSchema,
  ToolResultBlockSchema,
  OtherBlockSchema,
])

// ---- stdin (--input-format stream-json) ----------------------------------------------------

/** One line per user turn. session_id / parent_tool_use_id are accepted but ignored by the CLI. */
const UserInputMessageSchema = Type.Object({
  type: Type.Literal('user'),
  message: Type.Object({
    role: Type.Literal('user'),
    content: Type.Union([Type.String(), Type.Array(ContentBlockSchema)]),
  }),
  parent_tool_use_id: Type.Optional(Type.Null()),
  session_id: Type.Optional(Type.String()),
})

/** Stops the running turn; answered with a control_response carrying the same request_id. */
const InterruptRequestSchema = Type.Object({
  type: Type.Literal('control_request'),
  request_id: Type.String(),
  request: Type.Object({ subtype: Type.Literal('interrupt') }),
})

type UserInputMessage = Static<typeof UserInputMessageSchema>
type InterruptRequest = Static<typeof InterruptRequestSchema>

/** Builds the stdin line for a user turn (newline included) — the CLI exits on a malformed line. */
export function userInputLine(content: UserInputMessage['message']['content']): string {
  const message: UserInputMessage = { type: 'user', message: { role: 'user', content } }
  return `${JSON.stringify(message)}\n`
}

/** Builds the stdin line for an interrupt control_request (newline included). */
export function interruptLine(requestId: string): string {
  const request: InterruptRequest = {
    type: 'control_request',
    request_id: requestId,
    request: { subtype: 'interrupt' },
  }
  return `${JSON.stringify(request)}\n`
}
