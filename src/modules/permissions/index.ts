// Routes for answering Claude's permission requests, questions and plan approvals over REST.
import { Elysia } from 'elysia'
import { errors } from '../../core/openapi-errors.ts'
import { authGuard } from '../auth/guard.ts'
import type { AuthService } from '../auth/service.ts'
import { IdParam } from '../claude/model.ts'
import { PermissionAnswerBody, PermissionList, PermissionParams, PermissionView } from './model.ts'
import type { PermissionService } from './service.ts'

export function permissionsModule(auth: AuthService, permissions: PermissionService) {
  return new Elysia({ name: 'permissions', prefix: '/api/v1/claude/sessions', detail: { tags: ['claude'] } })
    .use(authGuard(auth))
    .get('/:id/permissions', ({ principal, params }) => permissions.pending(principal.user, params.id), {
      auth: true,
      params: IdParam,
      response: { 200: PermissionList, ...errors(401, 404) },
      detail: { summary: 'Pending permission requests, questions and plan approvals of the session (viewer)' },
    })
    .post(
      '/:id/permissions/:request_id',
      ({ principal, params, body }) => permissions.answer(principal.user, params.request_id, body, params.id),
      {
        auth: true,
        params: PermissionParams,
        body: PermissionAnswerBody,
        response: { 200: PermissionView, ...errors(401, 403, 404, 409) },
        detail: {
          summary:
            'Answer a permission request, question or plan approval (owner or collaborator); the first answer wins, later ones get 409 ALREADY_RESOLVED naming who and when',
        },
      },
    )
}
