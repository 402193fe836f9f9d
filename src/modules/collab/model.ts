// TypeBox schemas for collaboration: participants, share links, the shared document and the WebSocket messages.
import { Type as T, type TSchema } from '@sinclair/typebox'
import { t } from 'elysia'

const GrantRole = t.Union([t.Literal('collaborator'), t.Literal('viewer')])
const AnyRole = t.Union([t.Literal('owner'), t.Literal('collaborator'), t.Literal('viewer')])
const Id = t.String({ minLength: 1, maxLength: 64 })
const Iso = t.String({ format: 'date-time' })

// ---- REST ------------------------------------------------------------------------------------------

export const SessionParams = t.Object({ id: Id })
export const ParticipantParams = t.Object({ id: Id, user_id: Id })
export const LinkParams = t.Object({ id: Id, link_id: Id })
export const TokenParams = t.Object({ token: t.String({ minLength: 16, maxLength: 128 }) })

export const AddParticipantBody = t.Object(
  {
    user_id: t.Optional(Id),
    username: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'Instead of user_id' })),
    role: t.Optional(GrantRole),
  },
  {
    description:
      'The user by user_id or username; role defaults to collaborator; hand ownership over with PATCH role=owner',
  },
)
export const PatchParticipantBody = t.Object({
  role: t.Union([t.Literal('owner'), t.Literal('collaborator'), t.Literal('viewer')], {
    description: 'owner = hand the session over: the previous owner becomes collaborator',
  }),
})
export const Participant = t.Object(
  {
    user_id: t.String(),
    username: t.String(),
    display_name: t.Nullable(t.String()),
    role: AnyRole,
    source: t.Union([t.Literal('owner'), t.Literal('participant'), t.Literal('workspace')], {
      description: 'Where the role comes from',
    }),
    online: t.Boolean(),
    connections: t.Integer({ description: 'Open sockets of this user joined to the session' }),
    created_at: t.Nullable(Iso),
  },
  { title: 'Participant' },
)
export const ParticipantList = t.Object({ session_id: t.String(), participants: t.Array(Participant) })
export const RemoveResult = t.Object({
  ok: t.Boolean(),
  user_id: t.String(),
  remaining_role: t.Nullable(AnyRole, {
    description: 'Role the user still has through the workspace (null: no access left)',
  }),
})

export const CreateShareBody = t.Object({
  role: GrantRole,
  expires_in_s: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: 2_592_000,
      default: 86_400,
      description: 'Seconds until the link stops working (max 30 days)',
    }),
  ),
})
export const ShareLinkCreated = t.Object(
  {
    id: t.String(),
    token: t.String({ description: 'Shown once; only its sha256 is stored' }),
    url: t.String({ examples: ['/api/v1/claude/share/<token>'] }),
    session_id: t.String(),
    role: GrantRole,
    created_at: Iso,
    expires_at: Iso,
  },
  { title: 'ShareLinkCreated' },
)
export const ShareLink = t.Object(
  {
    id: t.String(),
    session_id: t.String(),
    role: GrantRole,
    created_by: t.String(),
    created_at: Iso,
    expires_at: Iso,
    revoked_at: t.Nullable(Iso),
    uses: t.Integer(),
    state: t.Union([t.Literal('active'), t.Literal('expired'), t.Literal('revoked')]),
  },
  { title: 'ShareLink' },
)
export const ShareLinkList = t.Object({ links: t.Array(ShareLink) })
export const ShareInfo = t.Object({
  session_id: t.String(),
  title: t.Nullable(t.String()),
  role: GrantRole,
  expires_at: Iso,
  your_role: t.Nullable(AnyRole),
})
export const AcceptBody = t.Optional(
  t.Object({}, { description: 'No fields; the token in the path is the credential' }),
)
export const AcceptResult = t.Object({
  session_id: t.String(),
  role: AnyRole,
  previous_role: t.Nullable(AnyRole),
  changed: t.Boolean({
    description: 'false when you already had this role or a higher one (a link never lowers a role)',
  }),
})

export const SharedDocument = t.Object(
  {
    session_id: t.String(),
    version: t.Integer({ description: '0 = never edited' }),
    text: t.String(),
    language: t.Nullable(t.String()),
    updated_by: t.Nullable(t.String()),
    updated_at: t.Nullable(Iso),
  },
  { title: 'SharedDocument' },
)

// ---- WebSocket ------------------------------------------------------------------------------------

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
