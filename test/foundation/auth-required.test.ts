// Every route the app serves needs credentials, except an explicit allow-list; a new route without auth fails here.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestServer, type TestServer } from '../support/server.ts'
import { expectError, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

/**
 * Routes reachable without credentials: health, login, refresh, the docs, the web app (it holds no data), and the
 * sockets that authenticate themselves.
 */
const PUBLIC = new Set([
  'GET /health',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/refresh',
  'GET /swagger',
  'GET /swagger/json',
  'GET /swagger/assets/:name',
  'GET /',
  'GET /w/:id',
  'GET /s/:id',
  'GET /account',
  'GET /admin',
  'GET /join',
  'GET /assets/:name',
  'WS /ws',
  'WS /ws/executions/:id',
])

let s: TestServer
beforeAll(async () => {
  s = await startTestServer()
}, SETUP_TIMEOUT)
afterAll(() => s.close())

function routes() {
  return s.app.routes.map((r) => ({
    method: r.method.toUpperCase(),
    path: r.path,
    key: `${r.method.toUpperCase()} ${r.path}`,
  }))
}

function request(method: string, path: string, headers: Record<string, string> = {}) {
  const url = s.url + path.replace(/:[A-Za-z_]+\??/g, 'dummy-id').replace(/\*/g, 'dummy')
  const httpMethod = method === 'WS' || method === 'ALL' ? 'GET' : method
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(httpMethod)
  return fetch(url, {
    method: httpMethod,
    headers: hasBody ? { 'content-type': 'application/json', ...headers } : headers,
    body: hasBody ? '{}' : undefined,
  })
}

test('every non-public route answers 401 in the error shape without credentials', async () => {
  const guarded = routes().filter((r) => !PUBLIC.has(r.key))
  expect(guarded.length).toBeGreaterThanOrEqual(20)
  const failures: string[] = []
  for (const r of guarded) {
    const res = await request(r.method, r.path)
    if (res.status !== 401) {
      failures.push(`${r.key} -> ${res.status} ${(await res.text()).slice(0, 120)}`)
      continue
    }
    await expectError(res, 401, 'UNAUTHORIZED')
  }
  expect(failures).toEqual([])
})

test('every non-public route answers 401 to a garbage bearer token, a garbage API key and a junk scheme', async () => {
  const guarded = routes().filter((r) => !PUBLIC.has(r.key))
  const failures: string[] = []
  for (const r of guarded) {
    for (const headers of [
      { authorization: 'Bearer garbage.token.here' },
      { 'x-api-key': 'cchub_garbage' },
      { authorization: 'Token abc' },
    ] as Record<string, string>[]) {
      const res = await request(r.method, r.path, headers)
      if (res.status !== 401) failures.push(`${r.key} with ${JSON.stringify(headers)} -> ${res.status}`)
      else await expectError(res, 401)
    }
  }
  expect(failures).toEqual([])
})

test('the public routes that exist really are reachable without credentials', async () => {
  const present = new Set(routes().map((r) => r.key))
  for (const key of ['GET /health', 'GET /swagger', 'GET /swagger/json']) {
    expect(present.has(key)).toBe(true)
    const [method, path] = key.split(' ') as [string, string]
    expect((await request(method, path)).status).toBe(200)
  }
  expect((await request('GET', '/swagger/assets/swagger-ui.css')).status).toBe(200)
  for (const path of ['/api/v1/auth/login', '/api/v1/auth/refresh']) {
    await expectError(await request('POST', path), 400, 'VALIDATION_FAILED') // no body: the required fields are missing
  }
})
