// Routes for /api/v1/admin/tool-policy: which tools and permission modes non-admins may request (admin only).
import { Elysia } from 'elysia'
import { errors } from '../../core/openapi-errors.ts'
import { authGuard } from '../auth/guard.ts'
import type { AuthService } from '../auth/service.ts'
import { ToolPolicy, ToolPolicyBody } from './model.ts'
import type { ToolPolicyService } from './service.ts'

export function toolPolicyModule(auth: AuthService, policy: ToolPolicyService) {
  return new Elysia({ name: 'tool-policy', prefix: '/api/v1/admin/tool-policy', detail: { tags: ['admin'] } })
    .use(authGuard(auth))
    .get('', () => policy.get(), {
      auth: 'admin',
      response: { 200: ToolPolicy, ...errors(401, 403) },
      detail: {
        summary: 'The tool policy: tools and permission modes role user may request, and the server-wide cap (admin)',
      },
    })
    .put('', ({ principal, body }) => policy.put(principal.user, body), {
      auth: 'admin',
      body: ToolPolicyBody,
      response: { 200: ToolPolicy, ...errors(401, 403) },
      detail: {
        summary:
          'Replace the tools and permission modes role user may request (admin); applies to the next execute, REST and WebSocket',
      },
    })
}
