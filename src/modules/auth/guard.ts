// The `auth` route option: resolves the caller as `principal`, or answers 401/403 before the handler runs.
import { Elysia } from 'elysia'
import { AppError } from '../../core/errors.ts'
import { requestInfo } from '../../core/http.ts'
import type { AuthService, Principal } from './service.ts'

export type AuthLevel = true | 'admin'

export const bearerSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyAuth: [] }]

export function authGuard(auth: AuthService) {
  return new Elysia({ name: 'auth-guard' }).macro({
    auth: (level: AuthLevel) => ({
      detail: { security: bearerSecurity },
      async resolve({ request }): Promise<{ principal: Principal }> {
        const principal = await auth.authenticateHeaders(request.headers)
        requestInfo(request).userId = principal.user.id
        if (level === 'admin' && principal.user.role !== 'admin') throw new AppError('FORBIDDEN', 403, 'Administrator role required')
        return { principal }
      },
    }),
  })
}
