// Revoked tokens stay revoked across a server restart on the same data directory.
import { afterEach, expect, setDefaultTimeout, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts'
import { expectError, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

const servers: TestServer[] = []
let dataDir: string | undefined
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close({ keepData: true })
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  dataDir = undefined
})

test('a logged-out access token and a rotated refresh token are still refused after a restart', async () => {
  const first = await startTestServer()
  servers.push(first)
  dataDir = first.dataDir
  const login = await first.api('/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })
  const pair = (await login.json()) as { access_token: string; refresh_token: string }
  const kept = await first.login()
  expect((await first.api('/api/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } })).status).toBe(200)
  expect((await first.api('/api/v1/auth/logout', { method: 'POST', token: pair.access_token })).status).toBe(200)
  await servers.pop()!.close({ keepData: true })

  const second = await startTestServer({}, dataDir)
  servers.push(second)
  await expectError(await second.api('/api/v1/users/me', { token: pair.access_token }), 401, 'TOKEN_REVOKED')
  await expectError(
    await second.api('/api/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } }),
    401,
    'TOKEN_REVOKED',
  )
  // the same secret and database: a token that was never revoked still works
  expect((await second.api('/api/v1/users/me', { token: kept })).status).toBe(200)
})
