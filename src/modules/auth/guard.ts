// The `auth` route option: resolves the caller as `principal`, or answers 401/403 before the handler runs.
import { Elysia } from 'elysia'
import { AppError } from '../../core/errors.ts'
import { requestInfo } from '../../core/http.ts'
import type { AuthService, Principal } from './service.ts'

/** `stream`: like `true`, but also accepts `?token=` because browsers' EventSource cannot send headers. */
export type AuthLevel = true | 'admin' | 'stream'

export const bearerSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyAuth: [] }]

const principals = new WeakMap<Request, Principal>()

export function authGuard(auth: AuthService) {
  return new Elysia({ name: 'auth-guard' }).macro({
    auth: (level: AuthLevel) => ({
      detail: { security: bearerSecurity },
      // `transform` runs before params/query/body validation, so a caller without (enough) credentials gets
      // 401/403 and never learns anything from a 422 about a route's input.
      async transform({ request }) {
        const queryToken =
          level === 'stream' && !request.headers.has('authorization') && !request.headers.has('x-api-key')
            ? new URL(request.url).searchParams.get('token')
            : null
        const principal = queryToken
          ? await auth.authenticateToken(queryToken)
          : await auth.authenticateHeaders(request.headers)
        requestInfo(request).userId = principal.user.id
        if (level === 'admin' && principal.user.role !== 'admin')
          throw new AppError('FORBIDDEN', 403, 'Administrator role required')
        principals.set(request, principal)
      },
      resolve({ request }): { principal: Principal } {
        const principal = principals.get(request)
        if (!principal) throw new AppError('UNAUTHORIZED', 401, 'Authentication required')
        return { principal }
      },
    }),
  })
}
