// One error shape for 400/401/403/404/422/500, and X-Request-Id on every response equal to trace_id.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createLogger } from '../../src/core/logger.ts'
import type { Store, WorkspaceRepo, UserRepo } from '../../src/store/store.ts'
import { expectError, inProcessApp, type InProcessApp, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

const LEAK = 'SQLITE_FULL at /var/lib/secret-path.db'

/** The real store, except that listing workspaces fails and one user comes back with a role the API cannot show. */
function breakStore(store: Store): Store {
  const workspaces: WorkspaceRepo = Object.create(store.workspaces)
  workspaces.listVisible = async () => {
    throw new Error(LEAK)
  }
  const users: UserRepo = Object.create(store.users)
  const byId = store.users.byId.bind(store.users)
  users.byId = async (id) => {
    const u = await byId(id)
    return u && u.username === 'corrupt' ? ({ ...u, role: 'superuser' } as never) : u
  }
  return { ...store, workspaces, users, ping: () => store.ping(), close: () => store.close() }
}

let h: InProcessApp
let admin: string
let userToken: string
const logged: string[] = []

beforeAll(async () => {
  h = await inProcessApp({ wrapStore: breakStore, logger: createLogger('info', (l) => logged.push(l)) })
  admin = await h.login()
  await h.call('/api/v1/users', { token: admin, body: { username: 'plain', password: 'plain-password' } })
  await h.call('/api/v1/users', { token: admin, body: { username: 'corrupt', password: 'corrupt-password' } })
  userToken = await h.login('plain', 'plain-password')
}, SETUP_TIMEOUT)
afterAll(() => h.close())

describe('status codes', () => {
  test('400 for a malformed JSON body', async () => {
    const bad = await h.app.handle(
      new Request('http://localhost/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username": "admin", ',
      }),
    )
    await expectError(bad, 400, 'INVALID_JSON')
    const authed = await h.app.handle(
      new Request('http://localhost/api/v1/workspaces', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: '{nope',
      }),
    )
    await expectError(authed, 400, 'INVALID_JSON')
  })

  test('401 without credentials', async () => {
    await expectError(await h.call('/api/v1/workspaces'), 401, 'UNAUTHORIZED')
  })

  test('403 for a non-admin on an admin route', async () => {
    await expectError(await h.call('/api/v1/users', { token: userToken }), 403, 'FORBIDDEN')
  })

  test('404 for an unknown route and for an unknown id', async () => {
    await expectError(await h.call('/api/v1/nothing-here'), 404, 'NOT_FOUND')
    await expectError(await h.call('/definitely/not/a/route', { method: 'DELETE' }), 404, 'NOT_FOUND')
    await expectError(await h.call('/api/v1/users/no-such-user', { token: admin }), 404, 'NOT_FOUND')
  })

  test('400 for a missing required field, 422 for a refused value, both with details naming the field', async () => {
    const body = await expectError(
      await h.call('/api/v1/auth/login', { body: { username: 'admin' } }),
      400,
      'VALIDATION_FAILED',
    )
    expect(body.details?.in).toBe('body')
    const errors = body.details?.errors as { path: string; message: string }[]
    expect(errors.some((e) => e.path.includes('password'))).toBe(true)
    const refused = await expectError(
      await h.call('/api/v1/auth/login', { body: { username: 'admin', password: 42 } }),
      422,
      'VALIDATION_FAILED',
    )
    const refusedErrors = refused.details?.errors as { path: string }[]
    expect(refusedErrors.some((e) => e.path.includes('password'))).toBe(true)
    const query = await expectError(await h.call('/api/v1/users?limit=abc', { token: admin }), 422, 'VALIDATION_FAILED')
    expect(query.details?.in).toBe('query')
  })

  test('500 when the store fails: INTERNAL_ERROR, no error text or stack leaked, the failure logged', async () => {
    const res = await h.call('/api/v1/workspaces', { token: admin })
    const raw = await res.clone().text()
    const body = await expectError(res, 500, 'INTERNAL_ERROR')
    expect(raw).not.toContain('SQLITE_FULL')
    expect(raw).not.toContain('secret-path')
    expect(raw).not.toMatch(/\bat\s+\S+\s+\(|\.ts:\d+/)
    expect(body.details).toBeUndefined()
    const line = logged.find((l) => l.includes(body.trace_id) && l.includes('"level":"error"'))
    expect(line).toContain('SQLITE_FULL')
  })

  test('500, not 422, when the server produces a response its own schema does not allow', async () => {
    const corrupt = (await h.store.users.byUsername('corrupt'))!
    const res = await h.call(`/api/v1/users/${corrupt.id}`, { token: admin })
    const raw = await res.clone().text()
    const body = await expectError(res, 500, 'INTERNAL_ERROR')
    expect(raw).not.toContain('superuser')
    expect(raw).not.toContain('argon2')
    // logged for operators, but without the response it refused (a response may carry tokens or keys)
    const line = logged.find((l) => l.includes(body.trace_id) && l.includes('"level":"error"'))
    expect(line).toBeDefined()
    expect(line).not.toContain('corrupt')
    expect(line).not.toContain('superuser')
  })
})

describe('X-Request-Id', () => {
  test('is on every response, successful or not, and equals trace_id on errors', async () => {
    const responses = await Promise.all([
      h.call('/health'),
      h.call('/swagger'),
      h.call('/swagger/json'),
      h.call('/swagger/assets/swagger-ui.css'),
      h.call('/api/v1/users/me', { token: admin }),
      h.call('/api/v1/workspaces', { token: userToken, body: { name: 'x' } }),
    ])
    for (const res of responses) {
      expect(res.status).toBeLessThan(300)
      expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._:-]{8,64}$/)
    }
    const ids = new Set(responses.map((r) => r.headers.get('x-request-id')))
    expect(ids.size).toBe(responses.length)
    // expectError checks header === trace_id for each error status
    await expectError(await h.call('/api/v1/workspaces'), 401)
    await expectError(await h.call('/nope'), 404)
  })

  test('a valid incoming X-Request-Id is echoed, an unsafe one replaced', async () => {
    const ok = await h.call('/api/v1/users/me', { token: admin, headers: { 'x-request-id': 'client-req.42:a_b' } })
    expect(ok.headers.get('x-request-id')).toBe('client-req.42:a_b')
    const err = await h.call('/api/v1/users/no-such-user', {
      token: admin,
      headers: { 'x-request-id': 'client-req-43' },
    })
    expect((await expectError(err, 404)).trace_id).toBe('client-req-43')

    for (const unsafe of ['has spaces in it', 'x'.repeat(65), 'quote"s', '<script>']) {
      const res = await h.call('/health', { headers: { 'x-request-id': unsafe } })
      const id = res.headers.get('x-request-id')
      expect(id).not.toBe(unsafe)
      expect(id).toMatch(/^[A-Za-z0-9._:-]{1,64}$/)
    }
  })
})
