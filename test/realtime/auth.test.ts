// WebSocket authentication: ?token= (JWT, API key), the auth message, the pre-auth gate and timeout, bad credentials.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createTokenSigner } from '../../src/modules/auth/tokens.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { createApiKey, expectRefused, startHub, stopHub, tryUpgrade, wsUrl, type Hub } from './helpers.ts'

// The auth message in both forms; upgrades refused for bad/expired/revoked credentials; sockets closed on logout, key
// revocation, disabling and token expiry.

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

const AUTH_TIMEOUT = 400
/** The auth timeout runs on it: sockets are closed by it only when a test advances it. */
const clock = new ManualClock()
let h: Hub
let bob: { id: string; token: string }
beforeAll(async () => {
  h = await startHub({ wsAuthTimeout: AUTH_TIMEOUT / 1000 }, { clock })
  bob = await h.s.createUser(h.admin, 'bob')
}, 20_000)
afterEach(() => h.pool.closeAll())
afterAll(() => stopHub(h), 20_000)

const expiredToken = (userId: string) =>
  createTokenSigner(h.s.services.jwtSecret).sign({
    sub: userId,
    role: 'user',
    jti: crypto.randomUUID(),
    exp: Math.floor(Date.now() / 1000) - 60,
    typ: 'access',
  })

describe('connected', () => {
  test('is the first message, with a unique connection_id per socket', async () => {
    const clients = await Promise.all([0, 1, 2, 3].map((i) => h.pool.connect(wsUrl(h.s, i % 2 ? h.admin : undefined))))
    const ids = new Set<string>()
    for (const c of clients) {
      const first = await c.next()
      expect(first.type).toBe('connected')
      expect(c.messages[0]).toBe(first)
      expect(typeof first.data.connection_id).toBe('string')
      expect(first.data.connection_id.length).toBeGreaterThan(0)
      expect(new Date(first.timestamp!).toISOString()).toBe(first.timestamp!)
      ids.add(first.data.connection_id)
    }
    expect(ids.size).toBe(clients.length)
    expect(clients[1]!.messages[0]!.data).toMatchObject({
      authenticated: true,
      user: { id: h.adminId, username: 'admin', role: 'admin' },
    })
    expect(clients[0]!.messages[0]!.data).toMatchObject({ authenticated: false, user: null, auth_timeout_s: 0.4 })
  })
})

describe('auth by ?token=', () => {
  test('an access JWT authenticates at upgrade', async () => {
    const c = await h.pool.connect(wsUrl(h.s, bob.token))
    expect((await c.next((m) => m.type === 'connected')).data).toMatchObject({
      authenticated: true,
      user: { id: bob.id, username: 'bob' },
    })
    expect((await c.request({ type: 'subscribe', channel: `user:${bob.id}` })).type).toBe('success')
  })

  test('an API key authenticates at upgrade', async () => {
    const { key } = await createApiKey(h.s, bob.token)
    const c = await h.pool.connect(wsUrl(h.s, key))
    expect((await c.next((m) => m.type === 'connected')).data).toMatchObject({
      authenticated: true,
      user: { id: bob.id },
    })
    expect((await c.request({ type: 'subscribe', channel: 'system' })).type).toBe('success')
  })
})

describe('auth by header at upgrade (clients that can set one)', () => {
  const connectedWith = async (headers: Record<string, string>) => {
    const ws = new WebSocket(h.s.wsUrl, { headers } as never)
    try {
      return await new Promise<any>((resolve, reject) => {
        ws.onmessage = (m) => resolve(JSON.parse(String(m.data)))
        ws.onerror = reject
      })
    } finally {
      ws.close()
    }
  }

  test('Authorization: Bearer <JWT> and X-API-Key authenticate like ?token=', async () => {
    const byJwt = await connectedWith({ Authorization: `Bearer ${bob.token}` })
    expect(byJwt).toMatchObject({ type: 'connected', data: { authenticated: true, user: { id: bob.id } } })
    const { key } = await createApiKey(h.s, bob.token, 'header')
    const byKey = await connectedWith({ 'X-API-Key': key })
    expect(byKey.data).toMatchObject({ authenticated: true, user: { id: bob.id } })
  })

  test('a bad header is refused before the upgrade, like a bad ?token=', async () => {
    await expectRefused(await tryUpgrade(h.s, '/ws', { authorization: 'Bearer garbage' }), 401, 'UNAUTHORIZED')
    await expectRefused(await tryUpgrade(h.s, '/ws', { authorization: 'Basic abc' }), 401, 'UNAUTHORIZED')
    await expectRefused(
      await tryUpgrade(h.s, '/ws', { authorization: `Bearer ${await expiredToken(bob.id)}` }),
      401,
      'TOKEN_EXPIRED',
    )
  })
})

describe('auth by first message', () => {
  test('{"type":"auth","data":{"token":<jwt>}} authenticates, then subscribe works', async () => {
    const c = await h.pool.connect(wsUrl(h.s))
    const r = await c.request({ type: 'auth', data: { token: bob.token } })
    expect(r.type).toBe('success')
    expect(r.data).toMatchObject({
      action: 'auth',
      authenticated: true,
      user: { id: bob.id, username: 'bob', role: 'user' },
    })
    expect((await c.request({ type: 'subscribe', channel: `user:${bob.id}` })).type).toBe('success')
    clock.advance(AUTH_TIMEOUT * 2) // past the auth timeout: still open
    expect((await c.request({ type: 'ping' })).type).toBe('pong') // a close would have come before this answer
    expect(c.isClosed).toBe(false)
  })

  test('an apiKey authenticates; payload is an alias of data, except on a first auth frame (the seed-003 dialect)', async () => {
    const { key } = await createApiKey(h.s, bob.token, 'seed3')
    const c = await h.pool.connect(wsUrl(h.s))
    const r = await c.request({ type: 'auth', data: { apiKey: key } })
    expect(r.type).toBe('success')
    expect(r.data.user.id).toBe(bob.id)
    expect((await c.request({ type: 'subscribe', payload: { channel: 'system' } })).type).toBe('success')
    // {"type":"auth","payload":…} as the first frame is CC-Anywhere's: test/compat/seed-003.test.ts
    const seed = await h.pool.connect(wsUrl(h.s))
    seed.send({ type: 'auth', payload: { apiKey: key } })
    expect(await seed.next((m) => m.type === 'auth:success')).toMatchObject({
      payload: { message: 'Authenticated successfully' },
    })
  })

  test('before auth only auth and ping are answered; everything else is UNAUTHORIZED', async () => {
    const c = await h.pool.connect(wsUrl(h.s))
    const pong = await c.request({ type: 'ping', data: { timestamp: 1234 } })
    expect(pong.type).toBe('pong')
    expect(pong.data.timestamp).toBe(1234)
    for (const msg of [
      { type: 'subscribe', channel: 'system' },
      { type: 'subscribe', channel: `user:${bob.id}` },
      { type: 'unsubscribe', channel: 'system' },
    ]) {
      const r = await c.request(msg)
      expect(r.type).toBe('error')
      expect(r.data.code).toBe('UNAUTHORIZED')
    }
    // nothing published meanwhile reached it: a subscriber got it, and c answers a ping after it would have
    const listener = await h.pool.connect(wsUrl(h.s, h.admin))
    await listener.subscribe('system')
    await h.s.services.log.emit('system', 'notice', { x: 1 })
    await listener.next((m) => m.type === 'notice')
    expect((await c.request({ type: 'ping' })).type).toBe('pong')
    expect(c.messages.filter((m) => m.channel !== undefined)).toEqual([])
  })

  test('no auth within CCHUB_WS_AUTH_TIMEOUT closes with 4001 and a reason', async () => {
    const c = await h.pool.connect(wsUrl(h.s))
    expect((await c.next()).data.auth_timeout_s).toBe(AUTH_TIMEOUT / 1000)
    clock.advance(AUTH_TIMEOUT - 1)
    expect((await c.request({ type: 'ping' })).type).toBe('pong') // not closed yet
    clock.advance(1)
    const closed = await c.closed
    expect(closed.code).toBe(4001)
    expect(closed.reason).toMatch(/auth/i)
  })

  test('a bad token in the auth message gets an error reply and the socket is closed with 4001', async () => {
    const c = await h.pool.connect(wsUrl(h.s))
    const r = await c.request({ type: 'auth', data: { token: 'not-a-token' } })
    expect(r.type).toBe('error')
    expect(r.data.code).toBe('UNAUTHORIZED')
    expect((await c.closed).code).toBe(4001)
  })

  test('an auth message cannot switch an authenticated socket to another user', async () => {
    const c = await h.pool.connect(wsUrl(h.s, bob.token))
    const r = await c.request({ type: 'auth', data: { token: h.admin } })
    expect(r.type).toBe('error')
    expect(r.data.code).toBe('FORBIDDEN')
    const me = await c.request({ type: 'subscribe', channel: `user:${h.adminId}` })
    expect(me.data.code).toBe('FORBIDDEN')
  })
})

describe('bad credentials at upgrade: HTTP 401, no upgrade', () => {
  const cases: [string, () => Promise<string>, string][] = [
    ['garbage', async () => 'garbage', 'UNAUTHORIZED'],
    ['expired JWT', () => expiredToken(bob.id), 'TOKEN_EXPIRED'],
    [
      'JWT signed with another secret',
      () =>
        createTokenSigner('another-secret-another-secret-0123456789').sign({
          sub: bob.id,
          role: 'user',
          jti: 'x',
          exp: Math.floor(Date.now() / 1000) + 600,
          typ: 'access',
        }),
      'UNAUTHORIZED',
    ],
    ['unknown API key', async () => 'cchub_0000000000000000000000000000000000000000', 'UNAUTHORIZED'],
  ]
  for (const [name, make, code] of cases) {
    test(name, async () => {
      const token = await make()
      await expectRefused(await tryUpgrade(h.s, `/ws?token=${encodeURIComponent(token)}`), 401, code)
      const c = h.pool.open(wsUrl(h.s, token))
      await expect(c.opened).rejects.toThrow()
      expect(c.isOpen).toBe(false)
    })
  }

  test('a revoked JWT (after logout) and a revoked API key', async () => {
    const u = await h.s.createUser(h.admin, 'revokee')
    expect((await h.s.api('/api/v1/auth/logout', { token: u.token, body: {} })).status).toBe(200)
    await expectRefused(await tryUpgrade(h.s, `/ws?token=${u.token}`), 401, 'TOKEN_REVOKED')
    const c = h.pool.open(wsUrl(h.s, u.token))
    await expect(c.opened).rejects.toThrow()

    const key = await createApiKey(h.s, bob.token, 'to-revoke')
    expect((await h.s.api(`/api/v1/auth/api-keys/${key.id}`, { method: 'DELETE', token: bob.token })).status).toBe(200)
    await expectRefused(await tryUpgrade(h.s, `/ws?token=${key.key}`), 401, 'UNAUTHORIZED')
    const k = h.pool.open(wsUrl(h.s, key.key))
    await expect(k.opened).rejects.toThrow()
  })

  test('a refresh token is not an access token', async () => {
    const res = await h.s.api('/api/v1/auth/login', { body: { username: 'bob', password: 'bob-password' } })
    const { refresh_token } = (await res.json()) as { refresh_token: string }
    await expectRefused(await tryUpgrade(h.s, `/ws?token=${refresh_token}`), 401, 'UNAUTHORIZED')
  })
})

describe('open sockets are closed when their credentials die', () => {
  test('logout closes the sockets using that token with 4002 (query and auth message); others stay', async () => {
    const u = await h.s.createUser(h.admin, 'leaver')
    const second = await h.s.login('leaver', 'leaver-password')
    const byQuery = await h.pool.connect(wsUrl(h.s, u.token))
    const byMessage = await h.pool.connect(wsUrl(h.s))
    expect((await byMessage.request({ type: 'auth', data: { token: u.token } })).type).toBe('success')
    const otherToken = await h.pool.connect(wsUrl(h.s, second))
    const otherUser = await h.pool.connect(wsUrl(h.s, bob.token))
    await byQuery.next((m) => m.type === 'connected')

    expect((await h.s.api('/api/v1/auth/logout', { token: u.token, body: {} })).status).toBe(200)
    for (const c of [byQuery, byMessage]) {
      const closed = await c.closed
      expect(closed.code).toBe(4002)
      expect(closed.reason).toMatch(/revoked/)
    }
    // the closes happen together: a close of the others would have come before these answers
    for (const c of [otherToken, otherUser]) expect((await c.request({ type: 'ping' })).type).toBe('pong')
    expect(otherToken.isClosed).toBe(false)
    expect(otherUser.isClosed).toBe(false)
  })

  test('revoking an API key closes its sockets with 4002', async () => {
    const key = await createApiKey(h.s, bob.token, 'live')
    const c = await h.pool.connect(wsUrl(h.s, key.key))
    const jwt = await h.pool.connect(wsUrl(h.s, bob.token))
    await c.next((m) => m.type === 'connected')
    expect((await h.s.api(`/api/v1/auth/api-keys/${key.id}`, { method: 'DELETE', token: bob.token })).status).toBe(200)
    expect((await c.closed).code).toBe(4002)
    expect((await jwt.request({ type: 'ping' })).type).toBe('pong') // a close would have come before this answer
    expect(jwt.isClosed).toBe(false)
  })

  test('disabling a user closes all their sockets with 4003; deleting one does too', async () => {
    const u = await h.s.createUser(h.admin, 'disabled-soon')
    const { key } = await createApiKey(h.s, u.token)
    const a = await h.pool.connect(wsUrl(h.s, u.token))
    const b = await h.pool.connect(wsUrl(h.s, key))
    const other = await h.pool.connect(wsUrl(h.s, bob.token))
    await Promise.all([a.next((m) => m.type === 'connected'), b.next((m) => m.type === 'connected')])
    expect(
      (await h.s.api(`/api/v1/users/${u.id}`, { method: 'PATCH', token: h.admin, body: { disabled: true } })).status,
    ).toBe(200)
    for (const c of [a, b]) {
      const closed = await c.closed
      expect(closed.code).toBe(4003)
      expect(closed.reason.length).toBeGreaterThan(0)
    }
    expect((await other.request({ type: 'ping' })).type).toBe('pong') // a close would have come before this answer
    expect(other.isClosed).toBe(false)
    // and it cannot come back
    expect((await tryUpgrade(h.s, `/ws?token=${u.token}`)).status).toBe(403)

    const d = await h.s.createUser(h.admin, 'deleted-soon')
    const dc = await h.pool.connect(wsUrl(h.s, d.token))
    await dc.next((m) => m.type === 'connected')
    expect((await h.s.api(`/api/v1/users/${d.id}`, { method: 'DELETE', token: h.admin })).status).toBeLessThan(300)
    expect((await dc.closed).code).toBe(4003)
  })

  test('a socket is closed with 4004 when its JWT expires', async () => {
    const token = await createTokenSigner(h.s.services.jwtSecret).sign({
      sub: bob.id,
      role: 'user',
      jti: crypto.randomUUID(),
      exp: Math.floor(Date.now() / 1000) + 2,
      typ: 'access',
    })
    const c = await h.pool.connect(wsUrl(h.s, token))
    expect((await c.next((m) => m.type === 'connected')).data.authenticated).toBe(true)
    const closed = await Promise.race([c.closed, Bun.sleep(4000).then(() => null)])
    expect(closed?.code).toBe(4004)
    expect(closed?.reason).toMatch(/expired/)
  })
})
