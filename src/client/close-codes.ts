// Close codes the client acts on; `satisfies` ties them to the server's CloseCode table at compile time.
import type { CloseCode as ServerCloseCode } from '../modules/realtime/model.ts'

export const CloseCode = {
  AUTH_FAILED: 4001,
  TOKEN_REVOKED: 4002,
  USER_DISABLED: 4003,
  TOKEN_EXPIRED: 4004,
  IDLE: 4008,
  POLICY: 1008,
} as const satisfies Partial<typeof ServerCloseCode>

/**
 * Closes that mean "these credentials will not work again": retried only with a tokenProvider, which can mint new ones.
 */
export const CREDENTIAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.AUTH_FAILED,
  CloseCode.TOKEN_REVOKED,
  CloseCode.USER_DISABLED,
  CloseCode.TOKEN_EXPIRED,
])

/** Error codes of a refused `auth` message that are about the credentials, not a passing condition. */
export const CREDENTIAL_ERROR_CODES: ReadonlySet<string> = new Set([
  'UNAUTHORIZED',
  'INVALID_CREDENTIALS',
  'TOKEN_EXPIRED',
  'TOKEN_REVOKED',
  'USER_DISABLED',
  'VALIDATION_FAILED',
])

/** Client-chosen code for sockets the client abandons itself (connect or pong timeout, transient auth refusal). */
export const CLIENT_ABANDONED = 4000
