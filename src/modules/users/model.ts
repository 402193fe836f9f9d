// TypeBox schemas for users and profiles.
import { t } from 'elysia'
import { TokenPair } from '../auth/model.ts'

export const RoleSchema = t.Union([t.Literal('admin'), t.Literal('user')])
const Password = t.String({ minLength: 8, maxLength: 1024 })
const Username = t.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' })

export const User = t.Object(
  {
    id: t.String(),
    username: t.String(),
    role: RoleSchema,
    display_name: t.Nullable(t.String()),
    email: t.Nullable(t.String()),
    disabled: t.Boolean(),
    created_at: t.String({ format: 'date-time' }),
    updated_at: t.String({ format: 'date-time' }),
  },
  { title: 'User' },
)
export const UserList = t.Object({ users: t.Array(User), total: t.Integer() })
export const CreateUserBody = t.Object({
  username: Username,
  password: Password,
  role: t.Optional(RoleSchema),
  display_name: t.Optional(t.String({ maxLength: 128 })),
  email: t.Optional(t.String({ maxLength: 254, format: 'email' })),
})
export const UpdateUserBody = t.Object({
  role: t.Optional(RoleSchema),
  disabled: t.Optional(t.Boolean()),
  display_name: t.Optional(t.Nullable(t.String({ maxLength: 128 }))),
  email: t.Optional(t.Nullable(t.String({ maxLength: 254, format: 'email' }))),
  password: t.Optional(Password),
})
export const UpdateMeBody = t.Object({
  display_name: t.Optional(t.Nullable(t.String({ maxLength: 128 }))),
  email: t.Optional(t.Nullable(t.String({ maxLength: 254, format: 'email' }))),
})
export const ChangePasswordBody = t.Object({
  current_password: t.String({ minLength: 1, maxLength: 1024 }),
  new_password: Password,
})
export const PasswordChanged = t.Composite([t.Object({ ok: t.Boolean() }), TokenPair], {
  title: 'PasswordChanged',
  description: 'A fresh token pair: every token issued before the change is revoked',
})
export const Paging = t.Object({
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 100 })),
  offset: t.Optional(t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
})
export const UserDeleted = t.Object(
  {
    ok: t.Boolean(),
    cancelled_executions: t.Integer({
      description:
        "The user's queued or running executions (and any in workspaces deleted with them) that were cancelled",
    }),
    transferred_to: t.String({ description: 'The admin who now owns what was shared' }),
    transferred: t.Object({
      workspaces: t.Array(t.String(), { description: 'Their workspaces that others had a part in' }),
      sessions: t.Array(t.String(), { description: 'Their sessions outside the deleted workspaces' }),
      files: t.Integer({ description: 'Their uploads kept in those workspaces and sessions' }),
    }),
    deleted: t.Object({
      workspaces: t.Array(t.String(), {
        description: 'Their workspaces nobody else had a part in (a managed directory is removed)',
      }),
      sessions: t.Integer(),
      files: t.Integer({ description: 'File records removed, their bytes with them' }),
    }),
  },
  { title: 'UserDeleted' },
)
export const UserIdParam = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })
