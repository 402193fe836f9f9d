// Login, refresh rotation, logout and the tokens the guard must refuse (expired, forged, wrong alg, wrong kind).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { createTokenSigner, type TokenClaims } from '../../src/modules/auth/tokens.ts'
import { ADMIN_PASSWORD } from '../support/server.ts'
import { expectError, inProcessApp, JWT_SECRET, type InProcessApp, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

let h: InProcessApp
let adminId: string

beforeAll(async () => {
  h = await inProcessApp()
  const me = await h.call('/api/v1/users/me', { token: await h.login() })
  adminId = ((await me.json()) as { id: string }).id
}, SETUP_TIMEOUT)
afterAll(() => h.close())

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const nowS = () => Math.floor(Date.now() / 1000)
const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
  sub: adminId,
  role: 'admin',
  jti: crypto.randomUUID(),
  exp: nowS() + 600,
  typ: 'access',
  ...over,
})

async function loginPair(username = 'admin', password = ADMIN_PASSWORD) {
  const res = await h.call('/api/v1/auth/login', { body: { username, password } })
  expect(res.status).toBe(200)
  return (await res.json()) as { access_token: string; refresh_token: string; token_type: string; expires_in: number }
}
const me = (token: string) => h.call('/api/v1/users/me', { token })

describe('login', () => {
  test('returns a bearer token pair with the access lifetime', async () => {
    const pair = await loginPair()
    expect(Object.keys(pair).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type'])
    expect(pair.token_type).toBe('Bearer')
    expect(pair.expires_in).toBe(900)
    expect(pair.access_token).not.toBe(pair.refresh_token)
    const payload = JSON.parse(Buffer.from(pair.access_token.split('.')[1]!, 'base64url').toString())
    const header = JSON.parse(Buffer.from(pair.access_token.split('.')[0]!, 'base64url').toString())
    expect(header.alg).toBe('HS256')
    expect(payload).toMatchObject({ sub: adminId, role: 'admin', typ: 'access' })
    expect(typeof payload.jti).toBe('string')
    expect(payload.exp - nowS()).toBeGreaterThan(890)
    expect((await me(pair.access_token)).status).toBe(200)
  })

  test('username is case-insensitive', async () => {
    await loginPair('ADMIN')
  })

  test('a wrong password is 401 INVALID_CREDENTIALS, like an unknown user', async () => {
    await expectError(
      await h.call('/api/v1/auth/login', { body: { username: 'admin', password: 'wrong-password' } }),
      401,
      'INVALID_CREDENTIALS',
    )
    await expectError(
      await h.call('/api/v1/auth/login', { body: { username: 'nobody', password: 'wrong-password' } }),
      401,
      'INVALID_CREDENTIALS',
    )
  })
})

describe('refresh', () => {
  test('rotates: a new pair, and the old refresh token is then revoked', async () => {
    const first = await loginPair()
    const res = await h.call('/api/v1/auth/refresh', { body: { refresh_token: first.refresh_token } })
    expect(res.status).toBe(200)
    const second = (await res.json()) as { access_token: string; refresh_token: string; token_type: string }
    expect(second.token_type).toBe('Bearer')
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect((await me(second.access_token)).status).toBe(200)
    await expectError(
      await h.call('/api/v1/auth/refresh', { body: { refresh_token: first.refresh_token } }),
      401,
      'TOKEN_REVOKED',
    )
  })

  test('one refresh token buys one new pair, even when presented twice at the same moment', async () => {
    const first = await loginPair()
    const results = await Promise.all(
      [0, 1, 2].map(() => h.call('/api/v1/auth/refresh', { body: { refresh_token: first.refresh_token } })),
    )
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401])
    for (const r of results.filter((r) => r.status === 401)) await expectError(r, 401, 'TOKEN_REVOKED')
  })

  test('an access token is not a refresh token', async () => {
    const pair = await loginPair()
    await expectError(
      await h.call('/api/v1/auth/refresh', { body: { refresh_token: pair.access_token } }),
      401,
      'UNAUTHORIZED',
    )
  })

  test('garbage is 401', async () => {
    await expectError(await h.call('/api/v1/auth/refresh', { body: { refresh_token: 'not-a-jwt' } }), 401)
  })
})

describe('logout', () => {
  test('the access token fails at once with TOKEN_REVOKED; other sessions keep working', async () => {
    const mine = await loginPair()
    const other = await loginPair()
    const res = await h.call('/api/v1/auth/logout', { method: 'POST', token: mine.access_token })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
    await expectError(await me(mine.access_token), 401, 'TOKEN_REVOKED')
    expect((await me(other.access_token)).status).toBe(200)
  })

  test('with the refresh token in the body, that refresh token is revoked too', async () => {
    const pair = await loginPair()
    const res = await h.call('/api/v1/auth/logout', {
      token: pair.access_token,
      body: { refresh_token: pair.refresh_token },
    })
    expect(res.status).toBe(200)
    await expectError(
      await h.call('/api/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } }),
      401,
      'TOKEN_REVOKED',
    )
  })
})

describe('tokens the guard refuses', () => {
  test('an expired access token is TOKEN_EXPIRED', async () => {
    const token = await createTokenSigner(JWT_SECRET).sign(claims({ exp: nowS() - 5 }))
    await expectError(await me(token), 401, 'TOKEN_EXPIRED')
  })

  test('a validly signed token with good claims is accepted (the forgeries below differ only in what they break)', async () => {
    const token = await createTokenSigner(JWT_SECRET).sign(claims())
    expect((await me(token)).status).toBe(200)
  })

  test('a token signed with another secret is UNAUTHORIZED, expired or not', async () => {
    const other = createTokenSigner('another-secret-another-secret-another-secret')
    await expectError(await me(await other.sign(claims())), 401, 'UNAUTHORIZED')
    await expectError(await me(await other.sign(claims({ exp: nowS() - 5 }))), 401, 'UNAUTHORIZED')
  })

  test('alg none is refused', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`
    await expectError(await me(token), 401, 'UNAUTHORIZED')
  })

  test('another HMAC algorithm with the right secret is refused (the algorithm is pinned)', async () => {
    const signingInput = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64(claims())}`
    const sig = createHmac('sha512', JWT_SECRET).update(signingInput).digest('base64url')
    await expectError(await me(`${signingInput}.${sig}`), 401, 'UNAUTHORIZED')
  })

  test('a refresh token used as an access token is refused', async () => {
    const pair = await loginPair()
    await expectError(await me(pair.refresh_token), 401, 'UNAUTHORIZED')
  })

  test('a token for a user that does not exist is refused', async () => {
    const token = await createTokenSigner(JWT_SECRET).sign(claims({ sub: 'no-such-user' }))
    await expectError(await me(token), 401, 'UNAUTHORIZED')
  })

  test('a malformed Authorization header is 401', async () => {
    await expectError(
      await h.call('/api/v1/users/me', { headers: { authorization: 'Basic YWRtaW46eA==' } }),
      401,
      'UNAUTHORIZED',
    )
    await expectError(await h.call('/api/v1/users/me', { headers: { authorization: 'Bearer' } }), 401, 'UNAUTHORIZED')
  })
})
