// /users/me: read and patch your own profile; change your password only with the current one.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { expectError, inProcessApp, type InProcessApp, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

let h: InProcessApp
let token: string

beforeAll(async () => {
  h = await inProcessApp()
  const admin = await h.login()
  expect(
    (await h.call('/api/v1/users', { token: admin, body: { username: 'lea', password: 'lea-password' } })).status,
  ).toBe(201)
  token = await h.login('lea', 'lea-password')
}, SETUP_TIMEOUT)
afterAll(() => h.close())

test('read and patch the profile; role and other fields cannot be changed here', async () => {
  const before = (await (await h.call('/api/v1/users/me', { token })).json()) as Record<string, unknown>
  expect(before).toMatchObject({ username: 'lea', role: 'user', display_name: null, email: null, disabled: false })
  expect(before).not.toHaveProperty('password_hash')

  const res = await h.call('/api/v1/users/me', {
    method: 'PATCH',
    token,
    body: { display_name: 'Lea L.', email: 'lea@example.com' },
  })
  expect(res.status).toBe(200)
  expect(await res.json()).toMatchObject({ display_name: 'Lea L.', email: 'lea@example.com', role: 'user' })

  await h.call('/api/v1/users/me', { method: 'PATCH', token, body: { role: 'admin', disabled: false } })
  const after = (await (await h.call('/api/v1/users/me', { token })).json()) as Record<string, unknown>
  expect(after).toMatchObject({ role: 'user', display_name: 'Lea L.', email: 'lea@example.com' })
  await expectError(await h.call('/api/v1/users', { token }), 403, 'FORBIDDEN')
})

test('an invalid email is 422', async () => {
  await expectError(
    await h.call('/api/v1/users/me', { method: 'PATCH', token, body: { email: 'not an email' } }),
    422,
    'VALIDATION_FAILED',
  )
})

test('a password change needs the current password; then only the new one works', async () => {
  const wrong = await h.call('/api/v1/users/me/password', {
    method: 'PUT',
    token,
    body: { current_password: 'not-it', new_password: 'lea-new-password' },
  })
  await expectError(wrong, 401, 'INVALID_CREDENTIALS')
  await h.login('lea', 'lea-password')

  await expectError(
    await h.call('/api/v1/users/me/password', {
      method: 'PUT',
      token,
      body: { current_password: 'lea-password', new_password: 'short' },
    }),
    422,
    'VALIDATION_FAILED',
  )

  const ok = await h.call('/api/v1/users/me/password', {
    method: 'PUT',
    token,
    body: { current_password: 'lea-password', new_password: 'lea-new-password' },
  })
  expect(ok.status).toBe(200)
  await h.login('lea', 'lea-new-password')
  await expectError(
    await h.call('/api/v1/auth/login', { body: { username: 'lea', password: 'lea-password' } }),
    401,
    'INVALID_CREDENTIALS',
  )
})
