// Routes for user administration (/api/v1/users) and the caller's own profile (/api/v1/users/me).
import { Elysia } from 'elysia'
import { clientAddress } from '../../core/http.ts'
import { errors } from '../../core/openapi-errors.ts'
import { authGuard } from '../auth/guard.ts'
import type { AuthService } from '../auth/service.ts'
import {
  ChangePasswordBody,
  CreateUserBody,
  PasswordChanged,
  Paging,
  UpdateMeBody,
  UpdateUserBody,
  User,
  UserDeleted,
  UserIdParam,
  UserList,
} from './model.ts'
import { toPublicUser, type UserService } from './service.ts'

export function usersModule(auth: AuthService, users: UserService) {
  return new Elysia({ name: 'users', prefix: '/api/v1/users', detail: { tags: ['users'] } })
    .use(authGuard(auth))
    .get('/me', ({ principal }) => toPublicUser(principal.user), {
      auth: true,
      response: { 200: User, ...errors(401) },
      detail: { summary: 'Your own profile' },
    })
    .patch('/me', ({ principal, body }) => users.updateMe(principal.user, body), {
      auth: true,
      body: UpdateMeBody,
      response: { 200: User, ...errors(401) },
      detail: { summary: 'Change your display name or email' },
    })
    .put(
      '/me/password',
      async ({ principal, body, request, server }) => {
        const user = await users.changePassword(
          principal.user,
          body.current_password,
          body.new_password,
          clientAddress(server, request),
        )
        return { ok: true, ...(await auth.issueTokens(user)) }
      },
      {
        auth: true,
        body: ChangePasswordBody,
        response: { 200: PasswordChanged, ...errors(401, 429) },
        detail: {
          summary:
            'Change your password (needs the current one; wrong ones are throttled like failed logins); revokes every earlier token, this one too, and returns a fresh pair',
        },
      },
    )
    .get('', ({ query }) => users.list(query.limit, query.offset), {
      auth: 'admin',
      query: Paging,
      response: { 200: UserList, ...errors(401, 403) },
      detail: { summary: 'List users (admin)' },
    })
    .post(
      '',
      ({ body, set }) => {
        set.status = 201
        return users.create(body)
      },
      {
        auth: 'admin',
        body: CreateUserBody,
        response: { 201: User, ...errors(401, 403, 409) },
        detail: { summary: 'Create a user (admin)' },
      },
    )
    .get('/:id', ({ params }) => users.get(params.id), {
      auth: 'admin',
      params: UserIdParam,
      response: { 200: User, ...errors(401, 403, 404) },
      detail: { summary: 'Get a user (admin)' },
    })
    .patch('/:id', ({ principal, params, body }) => users.update(principal.user, params.id, body), {
      auth: 'admin',
      params: UserIdParam,
      body: UpdateUserBody,
      response: { 200: User, ...errors(401, 403, 404, 409) },
      detail: {
        summary:
          "Change role, disable/enable, reset password (admin); disabling closes the user's sockets and streams, a reset revokes their tokens",
      },
    })
    .delete('/:id', ({ principal, params }) => users.delete(principal.user, params.id), {
      auth: 'admin',
      params: UserIdParam,
      response: { 200: UserDeleted, ...errors(401, 403, 404, 409) },
      detail: {
        summary:
          'Delete a user (admin): their runs are cancelled, what others share is handed to you, what was theirs alone is deleted (file bytes and CLI home included)',
      },
    })
}
