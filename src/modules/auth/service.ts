// Authentication: passwords, JWT access/refresh tokens with revocation, API keys, login throttling.
import type { Config } from '../../config/schema.ts'
import { AppError } from '../../core/errors.ts'
import type { Signals } from '../../core/signals.ts'
import type { UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import { API_KEY_PREFIX, ApiKeys } from './api-keys.ts'
import { Revocations } from './revocations.ts'
import type { LoginThrottle } from './throttle.ts'
import type { TokenClaims, TokenSigner } from './tokens.ts'

export interface Principal {
  user: UserRecord
  via: 'jwt' | 'api_key'
  /** JWT id and expiry (ms) when authenticated by token, for logout and socket expiry. */
  jti?: string
  expiresAt?: number
  /** The token's `tva` claim: it stops holding once the user's tokens_valid_after (password change) passes it. */
  tva?: number
  apiKeyId?: string
}

export { API_KEY_PREFIX }
// A real argon2id hash of a random string, so unknown usernames cost as much time as wrong passwords.
let dummyHash: string | undefined
const timingDummy = () => (dummyHash ??= Bun.password.hashSync(crypto.randomUUID(), { algorithm: 'argon2id' }))

export class AuthService {
  private readonly revocations: Revocations
  private readonly apiKeys: ApiKeys

  constructor(
    private readonly store: Store,
    private readonly tokens: TokenSigner,
    private readonly config: Pick<Config, 'accessTokenTtl' | 'refreshTokenTtl'>,
    signals: Signals,
    private readonly throttle: LoginThrottle,
  ) {
    this.revocations = new Revocations(store, signals)
    this.apiKeys = new ApiKeys(store, signals)
  }

  /** Loads unexpired revocations so a restart keeps revoked tokens dead. */
  init(): Promise<void> {
    return this.revocations.load()
  }

  /** Learns revocations other nodes stored while their signal could not arrive (see Revocations.catchUp). */
  catchUpRevocations(): Promise<void> {
    return this.revocations.catchUp()
  }

  async login(username: string, password: string, address: string) {
    await this.throttle.check(username, address)
    const user = await this.store.users.byUsername(username)
    const ok = await Bun.password.verify(password, user?.password_hash ?? timingDummy())
    if (!user || !ok) {
      await this.throttle.failed(username, address)
      throw new AppError('INVALID_CREDENTIALS', 401, 'Wrong username or password')
    }
    if (user.disabled) throw new AppError('USER_DISABLED', 403, 'This account is disabled')
    await this.throttle.succeeded(username, address)
    return this.issueTokens(user)
  }

  async refresh(refreshToken: string) {
    const claims = await this.verifyJwt(refreshToken, 'refresh')
    const user = await this.activeUser(claims.sub)
    issuedAfterChange(claims.tva ?? 0, user)
    await this.revoke(claims.jti, claims.exp * 1000)
    return this.issueTokens(user)
  }

  async logout(principal: Principal, refreshToken?: string) {
    if (principal.jti && principal.expiresAt) await this.revoke(principal.jti, principal.expiresAt)
    if (refreshToken) {
      const claims = await this.tokens.verify(refreshToken)
      if (claims && claims.typ === 'refresh' && claims.sub === principal.user.id)
        await this.revoke(claims.jti, claims.exp * 1000)
    }
  }

  /** Accepts `Authorization: Bearer <jwt|api key>` or `X-API-Key`. */
  async authenticateHeaders(headers: Headers): Promise<Principal> {
    const apiKey = headers.get('x-api-key')
    if (apiKey) return this.authenticateToken(apiKey)
    const auth = headers.get('authorization')
    const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null
    if (!m)
      throw new AppError(
        'UNAUTHORIZED',
        401,
        'Authentication required: send Authorization: Bearer <token> or X-API-Key',
      )
    return this.authenticateToken(m[1]!)
  }

  /** Access JWT or API key, as given to REST, the WebSocket `?token=` and its auth message. */
  async authenticateToken(token: string): Promise<Principal> {
    if (token.startsWith(API_KEY_PREFIX)) return this.authenticateApiKey(token)
    const claims = await this.verifyJwt(token, 'access')
    const user = await this.activeUser(claims.sub)
    issuedAfterChange(claims.tva ?? 0, user)
    return { user, via: 'jwt', jti: claims.jti, expiresAt: claims.exp * 1000, tva: claims.tva ?? 0 }
  }

  /**
   * The principal's user as stored now, for a stream that authenticated earlier; throws once the principal no
   * longer holds (user deleted or disabled, token revoked by logout or by a password change).
   */
  async current(principal: Principal): Promise<UserRecord> {
    if (principal.jti && this.revocations.has(principal.jti))
      throw new AppError('TOKEN_REVOKED', 401, 'Token has been revoked')
    const user = await this.activeUser(principal.user.id)
    if (principal.via === 'jwt') issuedAfterChange(principal.tva ?? 0, user)
    return user
  }

  /** Fresh copy of a user (role or status may have changed since their socket authenticated). */
  async reloadUser(id: string): Promise<UserRecord | null> {
    return this.store.users.byId(id)
  }

  isRevoked(jti: string): boolean {
    return this.revocations.has(jti)
  }

  createApiKey(user: UserRecord, name: string, expiresInDays?: number) {
    return this.apiKeys.create(user, name, expiresInDays)
  }

  listApiKeys(user: UserRecord) {
    return this.apiKeys.list(user)
  }

  revokeApiKey(user: UserRecord, id: string) {
    return this.apiKeys.revoke(user, id)
  }

  private async authenticateApiKey(key: string): Promise<Principal> {
    const now = Date.now()
    const record = await this.apiKeys.check(key, now)
    const user = await this.activeUser(record.user_id)
    await this.apiKeys.used(record, now)
    return { user, via: 'api_key', apiKeyId: record.id }
  }

  private async verifyJwt(token: string, kind: TokenClaims['typ']): Promise<TokenClaims> {
    const claims = await this.tokens.verify(token)
    if (!claims) {
      if (await this.tokens.isExpired(token))
        throw new AppError('TOKEN_EXPIRED', 401, 'Token expired; refresh it or log in again')
      throw new AppError('UNAUTHORIZED', 401, 'Invalid token')
    }
    if (claims.typ !== kind) throw new AppError('UNAUTHORIZED', 401, `Expected an ${kind} token`)
    if (this.revocations.has(claims.jti)) throw new AppError('TOKEN_REVOKED', 401, 'Token has been revoked')
    return claims
  }

  private async activeUser(id: string): Promise<UserRecord> {
    const user = await this.store.users.byId(id)
    if (!user) throw new AppError('UNAUTHORIZED', 401, 'User no longer exists')
    if (user.disabled) throw new AppError('USER_DISABLED', 403, 'This account is disabled')
    return user
  }

  private revoke(jti: string, expiresAt: number): Promise<void> {
    return this.revocations.revoke(jti, expiresAt)
  }

  /** A fresh access/refresh pair for `user` as just read from the store (its tokens_valid_after goes into `tva`). */
  async issueTokens(user: UserRecord) {
    const now = Math.floor(Date.now() / 1000)
    const tva = user.tokens_valid_after
    const claims = <T extends 'access' | 'refresh'>(typ: T, ttl: number) => ({
      sub: user.id,
      role: user.role,
      jti: crypto.randomUUID(),
      exp: now + Math.round(ttl),
      typ,
      tva,
    })
    const access = claims('access', this.config.accessTokenTtl)
    const refresh = claims('refresh', this.config.refreshTokenTtl)
    return {
      access_token: await this.tokens.sign(access),
      refresh_token: await this.tokens.sign(refresh),
      token_type: 'Bearer' as const,
      expires_in: Math.round(this.config.accessTokenTtl),
    }
  }
}

/**
 * A token carries the user's tokens_valid_after as it was when the token was issued, not its issue time: a token
 * issued from a user read before a password change is refused even in the same millisecond, and one issued from
 * the user read after it is accepted, with no clock comparison at all.
 */
function issuedAfterChange(tva: number, user: UserRecord): void {
  if (tva < user.tokens_valid_after)
    throw new AppError('TOKEN_REVOKED', 401, 'Token was issued before a password change; log in again')
}
