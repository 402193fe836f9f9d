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
}

export interface TokenSigner {
  sign(claims: TokenClaims): Promise<string>
  /** The claims, or null for a bad signature, wrong algorithm, expired or malformed token. */
  verify(token: string): Promise<(TokenClaims & { expired?: false }) | null>
  /** Distinguishes "expired" from "bad" so clients get TOKEN_EXPIRED and know to refresh. */
  isExpired(token: string): boolean
}

export function createTokenSigner(secret: string): TokenSigner {
  const plugin = jwt({ name: 'jwt', secret, alg: 'HS256' })
  const impl = plugin.decorator.jwt
  return {
    sign: (claims) => impl.sign({ ...claims }),
    async verify(token) {
      const payload = await impl.verify(token, { algorithms: ['HS256'] })
      if (!payload) return null
      const p = payload as Record<string, unknown>
      if (typeof p.sub !== 'string' || typeof p.jti !== 'string' || typeof p.exp !== 'number') return null
      if ((p.role !== 'admin' && p.role !== 'user') || (p.typ !== 'access' && p.typ !== 'refresh')) return null
      return { sub: p.sub, role: p.role, jti: p.jti, exp: p.exp, typ: p.typ }
    },
    isExpired(token) {
      try {
        const body = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp?: unknown }
        return typeof body.exp === 'number' && body.exp * 1000 <= Date.now()
      } catch {
        return false
      }
    },
  }
}
