// TypeBox schemas of the collaboration REST API: participants, share links and the shared document.
import { t } from 'elysia'

const GrantRole = t.Union([t.Literal('collaborator'), t.Literal('viewer')])
const AnyRole = t.Union([t.Literal('owner'), t.Literal('collaborator'), t.Literal('viewer')])
const Id = t.String({ minLength: 1, maxLength: 64 })
const Iso = t.String({ format: 'date-time' })

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
