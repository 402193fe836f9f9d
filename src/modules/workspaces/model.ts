// TypeBox schemas for workspaces and their members.
import { t } from 'elysia'

export const SessionRoleSchema = t.Union([t.Literal('collaborator'), t.Literal('viewer')])
export const Workspace = t.Object(
  {
    id: t.String(),
    name: t.String(),
    path: t.String({ description: 'Directory where Claude runs' }),
    managed: t.Boolean({ description: 'true when cchub created the directory under its data directory' }),
    owner_id: t.String(),
    description: t.Nullable(t.String()),
    created_at: t.String({ format: 'date-time' }),
    updated_at: t.String({ format: 'date-time' }),
  },
  { title: 'Workspace' },
)
export const WorkspaceList = t.Object({ workspaces: t.Array(Workspace), total: t.Integer() })
export const CreateWorkspaceBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 128 }),
  path: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 4096,
      description: 'An existing directory inside a configured workspace root; omit to have one created',
    }),
  ),
  description: t.Optional(t.String({ maxLength: 2000 })),
})
export const UpdateWorkspaceBody = t.Object({
  name: t.Optional(t.String({ minLength: 1, maxLength: 128 })),
  description: t.Optional(t.Nullable(t.String({ maxLength: 2000 }))),
  owner_id: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'Hand the workspace to another user' })),
})
export const DeleteWorkspaceQuery = t.Object({
  delete_files: t.Optional(
    t.Boolean({ description: 'Also remove the directory (only for managed workspaces)', default: false }),
  ),
})
export const WorkspaceDeleted = t.Object(
  {
    ok: t.Boolean(),
    cancelled_executions: t.Integer({
      description:
        'Queued or running executions in the workspace that were cancelled (status cancelled) before it was deleted',
    }),
  },
  { title: 'WorkspaceDeleted' },
)
export const Member = t.Object(
  {
    user_id: t.String(),
    username: t.String(),
    session_role: SessionRoleSchema,
    created_at: t.String({ format: 'date-time' }),
  },
  { title: 'WorkspaceMember' },
)
export const MemberList = t.Object({ members: t.Array(Member) })
export const PutMemberBody = t.Object({ session_role: t.Optional(SessionRoleSchema) })
export const AddMemberBody = t.Object(
  {
    username: t.String({ minLength: 1, maxLength: 64 }),
    session_role: t.Optional(SessionRoleSchema),
  },
  { description: 'Add a member by username (or change their role); session_role defaults to collaborator' },
)
export const WorkspaceRoots = t.Object(
  {
    roots: t.Array(t.String(), {
      description: 'Directories inside which existing directories may be registered (empty: registering is disabled)',
    }),
  },
  { title: 'WorkspaceRoots' },
)
export const WorkspaceIdParam = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })
export const MemberParams = t.Object({
  id: t.String({ minLength: 1, maxLength: 64 }),
  user_id: t.String({ minLength: 1, maxLength: 64 }),
})
