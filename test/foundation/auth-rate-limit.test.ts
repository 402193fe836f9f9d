// Failed logins throttled per username and per client address, with 429 RATE_LIMITED and Retry-After.
import { afterEach, expect, setDefaultTimeout, test } from 'bun:test'
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts'
import { expectError, SETUP_TIMEOUT } from './helpers.ts'

// Per username only for addresses the user has not logged in from; trust across different addresses is tested in
// test/security/gaps.test.ts.

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const attempt = (s: TestServer, username: string, password: string) =>
  s.api('/api/v1/auth/login', { body: { username, password } })

async function expectLimited(res: Response) {
  const body = await expectError(res, 429, 'RATE_LIMITED')
  const retry = Number(res.headers.get('retry-after'))
  expect(retry).toBeGreaterThanOrEqual(1)
  expect(retry).toBeLessThanOrEqual(900)
  expect(body.details?.retry_after_s).toBe(retry)
}

test('per user: after the allowed failures even the right password waits on an address the user never logged in from; other users are unaffected', async () => {
  server = await startTestServer({ loginMaxFailures: 2 })
  const admin = await server.login()
  await server.createUser(admin, 'bob')
  const carol = await server.api('/api/v1/users', {
    token: admin,
    body: { username: 'carol', password: 'carol-password' },
  })
  expect(carol.status).toBe(201)
  for (let i = 0; i < 2; i++)
    await expectError(await attempt(server, 'carol', 'wrong-password'), 401, 'INVALID_CREDENTIALS')
  await expectLimited(await attempt(server, 'carol', 'carol-password'))
  await expectLimited(await attempt(server, 'CAROL', 'carol-password'))
  expect((await attempt(server, 'bob', 'bob-password')).status).toBe(200)
})

test('an address the user logged in from keeps passing with the right password', async () => {
  server = await startTestServer({ loginMaxFailures: 2 })
  await expectError(await attempt(server, 'admin', 'wrong-password'), 401, 'INVALID_CREDENTIALS')
  expect((await attempt(server, 'admin', ADMIN_PASSWORD)).status).toBe(200)
  await expectError(await attempt(server, 'admin', 'wrong-password'), 401, 'INVALID_CREDENTIALS')
  expect((await attempt(server, 'admin', ADMIN_PASSWORD)).status).toBe(200)
})

test('per address: failures spread over many usernames block the address (4x the per-user limit)', async () => {
  server = await startTestServer({ loginMaxFailures: 1 })
  for (const name of ['u1', 'u2', 'u3', 'u4'])
    await expectError(await attempt(server, name, 'wrong-password'), 401, 'INVALID_CREDENTIALS')
  // admin never failed, but this address did
  await expectLimited(await attempt(server, 'admin', ADMIN_PASSWORD))
})
