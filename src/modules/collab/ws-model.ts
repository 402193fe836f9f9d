// TypeBox schemas of the collaboration WebSocket messages: roles, join and leave, typing, edits and cursors.
import { Type as T, type TSchema } from '@sinclair/typebox'

const ReqId = T.Union([T.String({ maxLength: 128 }), T.Number()])
const SessionRef = { session_id: T.Optional(T.String({ minLength: 1, maxLength: 64 })) }
/** Every collaboration message names its session in `session_id`, `data.session_id` or `channel: "session:<id>"`. */
const wsMsg = <D extends TSchema>(types: string[], data: D) =>
  T.Object({
    type: T.Union(types.map((x) => T.Literal(x))),
    id: T.Optional(ReqId),
    channel: T.Optional(T.String({ maxLength: 80 })),
    ...SessionRef,
    data,
    timestamp: T.Optional(T.Unknown()),
  })
const WsGrantRole = T.Union([T.Literal('collaborator'), T.Literal('viewer')])
const WsAnyRole = T.Union([T.Literal('owner'), T.Literal('collaborator'), T.Literal('viewer')])

export const InviteUserMessage = wsMsg(
  ['invite_user'],
  T.Object({ ...SessionRef, user_id: T.String({ minLength: 1, maxLength: 64 }), role: T.Optional(WsGrantRole) }),
)
export const RemoveUserMessage = wsMsg(
  ['remove_user'],
  T.Object({ ...SessionRef, user_id: T.String({ minLength: 1, maxLength: 64 }) }),
)
export const ChangeRoleMessage = wsMsg(
  ['change_role'],
  T.Object({ ...SessionRef, user_id: T.String({ minLength: 1, maxLength: 64 }), role: WsAnyRole }),
)
export const JoinMessage = wsMsg(
  ['join_collaboration', 'session_join'],
  T.Optional(
    T.Object({
      ...SessionRef,
      since: T.Optional(T.Integer({ minimum: 0, description: 'Last seq seen: everything after it is replayed first' })),
      user_id: T.Optional(
        T.String({
          maxLength: 64,
          description:
            'Ignored (older clients send it, see docs/protocol.md, session_join): you join as the authenticated user',
        }),
      ),
    }),
  ),
)
export const LeaveMessage = wsMsg(
  ['leave_collaboration', 'session_leave'],
  T.Optional(T.Object({ ...SessionRef, user_id: T.Optional(T.String({ maxLength: 64 })) })),
)
export const TypingMessage = wsMsg(
  ['typing'],
  T.Optional(
    T.Object({
      ...SessionRef,
      state: T.Optional(T.Union([T.Literal('start'), T.Literal('stop')])),
      is_typing: T.Optional(T.Boolean({ description: 'Alias: true = start, false = stop' })),
    }),
  ),
)

const Position = T.Union([
  T.Integer({ minimum: 0 }),
  T.Object({ line: T.Integer({ minimum: 0 }), column: T.Integer({ minimum: 0 }) }, { additionalProperties: false }),
])
export const Edit = T.Object(
  {
    start: T.Integer({
      minimum: 0,
      description: 'UTF-16 offset in the text as left by the previous edits of the same message',
    }),
    end: T.Integer({ minimum: 0 }),
    text: T.String({ maxLength: 1_000_000 }),
  },
  { additionalProperties: false },
)
const LineNo = T.Integer({ minimum: 1 })
export const RangeChange = T.Object({
  range: T.Object({ startLineNumber: LineNo, startColumn: LineNo, endLineNumber: LineNo, endColumn: LineNo }),
  rangeLength: T.Optional(T.Integer({ minimum: 0 })),
  text: T.String({ maxLength: 1_000_000 }),
})
export const CodeChangeMessage = wsMsg(
  ['code_change'],
  T.Object({
    ...SessionRef,
    version: T.Optional(
      T.Integer({ minimum: 0, description: 'The document version the edits were made against (required with edits)' }),
    ),
    edits: T.Optional(T.Array(Edit, { minItems: 1, maxItems: 1000 })),
    changes: T.Optional(
      T.Array(RangeChange, {
        minItems: 1,
        maxItems: 1000,
        description:
          'Instead of edits: editor changes with 1-based line/column ranges (Monaco), applied in order to the text as it is (or at version, if given)',
      }),
    ),
    language: T.Optional(T.String({ maxLength: 50 })),
  }),
)
export const CursorUpdateMessage = wsMsg(
  ['cursor_update'],
  T.Object({
    ...SessionRef,
    position: T.Optional(Position),
    selection: T.Optional(T.Object({ start: Position, end: Position }, { additionalProperties: false })),
  }),
)
