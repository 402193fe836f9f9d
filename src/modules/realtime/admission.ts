// Upgrade-time checks made before a socket exists: the Origin allow-list and the credentials an upgrade may carry.
import { AppError } from '../../core/errors.ts'
import type { AuthService, Principal } from '../auth/service.ts'

/** A browser's Origin must be the server's own or listed (`*`: any); a client that sends none is not a browser. */
export function checkOrigin(request: Request, allowed: readonly string[]): void {
  const origin = request.headers.get('origin')
  if (!origin) return
  const host = request.headers.get('host')
  const own = host ? [`http://${host}`, `https://${host}`] : []
  if (allowed.includes('*') || allowed.includes(origin) || own.includes(origin)) return
  throw new AppError(
    'ORIGIN_NOT_ALLOWED',
    403,
    `Origin ${origin} may not open WebSockets here; add it to CCHUB_WS_ALLOWED_ORIGINS`,
  )
}

/**
 * The principal of `?token=` if given, else of an `Authorization: Bearer` or `X-API-Key` header (which non-browser
 * clients can send); null when the upgrade carries none, so the socket authenticates with its first frame.
 */
export async function upgradePrincipal(
  auth: Pick<AuthService, 'authenticateToken' | 'authenticateHeaders'>,
  request: Request,
  token: string | undefined,
): Promise<Principal | null> {
  if (token) return auth.authenticateToken(token)
  const headers = request.headers
  return headers.has('authorization') || headers.has('x-api-key') ? auth.authenticateHeaders(headers) : null
}
