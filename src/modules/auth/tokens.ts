// Signs and verifies HS256 JWTs through @elysiajs/jwt, with the algorithm pinned on both sides.
import { jwt } from '@elysiajs/jwt'
import type { Role } from '../../store/records.ts'

export type TokenKind = 'access' | 'refresh'
export interface TokenClaims {
  sub: string
  role: Role
  jti: string
  exp: number
  typ: TokenKind
  /**
   * The user's tokens_valid_after when issued (absent on older tokens: 0); behind the user's current value = revoked.
   */
  tva?: number
}

export interface TokenSigner {
  sign(claims: TokenClaims): Promise<string>
  /** The claims, or null for a bad signature, wrong algorithm, expired or malformed token. */
  verify(token: string): Promise<(TokenClaims & { expired?: false }) | null>
  /**
   * Distinguishes "expired" from "bad" so clients get TOKEN_EXPIRED and know to refresh: true only for a token we
   * signed.
   */
  isExpired(token: string): Promise<boolean>
}

/**
 * @elysiajs/jwt is part of the stack the project was given. Its documented use is the `jwt` decorator inside route
 * handlers, but tokens here are minted and checked by services (login, refresh, the guard, the WebSocket auth
 * message, SSE) that never see Elysia's Context: so the decorator is taken once from the plugin instance and wrapped
 * in this interface, which is all the rest of cchub knows of JWTs.
 */
export function createTokenSigner(secret: string): TokenSigner {
  const impl = jwt({ name: 'jwt', secret, alg: 'HS256' }).decorator.jwt
  return {
    sign: (claims) => impl.sign({ ...claims }),
    async verify(token) {
      const payload = await impl.verify(token, { algorithms: ['HS256'] })
      if (!payload) return null
      const p = payload as Record<string, unknown>
      if (typeof p.sub !== 'string' || typeof p.jti !== 'string' || typeof p.exp !== 'number') return null
      if ((p.role !== 'admin' && p.role !== 'user') || (p.typ !== 'access' && p.typ !== 'refresh')) return null
      const tva = typeof p.tva === 'number' ? p.tva : 0
      return { sub: p.sub, role: p.role, jti: p.jti, exp: p.exp, typ: p.typ, tva }
    },
    async isExpired(token) {
      let exp: unknown
      try {
        exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp?: unknown }).exp
      } catch {
        return false
      }
      if (typeof exp !== 'number' || exp * 1000 > Date.now()) return false
      // Check the signature as of a moment the token was still valid, so a forged or foreign token is "bad", not
      // "expired".
      return (await impl.verify(token, { algorithms: ['HS256'], currentDate: new Date((exp - 1) * 1000) })) !== false
    },
  }
}
