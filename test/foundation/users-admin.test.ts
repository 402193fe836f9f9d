// User administration: admins create, list, get, patch, disable and delete users; others get 403.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { expectError, inProcessApp, type InProcessApp, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

let h: InProcessApp
let admin: string
let adminId: string

interface User {
  id: string
  username: string
  role: string
  disabled: boolean
  display_name: string | null
  email: string | null
}

beforeAll(async () => {
  h = await inProcessApp()
  admin = await h.login()
  adminId = ((await (await h.call('/api/v1/users/me', { token: admin })).json()) as User).id
}, SETUP_TIMEOUT)
afterAll(() => h.close())

async function createUser(username: string, extra: Record<string, unknown> = {}): Promise<User> {
  const res = await h.call('/api/v1/users', {
    token: admin,
    body: { username, password: `${username}-password`, ...extra },
  })
  expect(res.status).toBe(201)
  return (await res.json()) as User
}

describe('as admin', () => {
  test('create, list, get, patch and delete a user', async () => {
    const dora = await createUser('dora', { display_name: 'Dora', email: 'dora@example.com' })
    expect(dora).toMatchObject({
      username: 'dora',
      role: 'user',
      disabled: false,
      display_name: 'Dora',
      email: 'dora@example.com',
    })
    expect(dora).not.toHaveProperty('password_hash')

    const list = (await (await h.call('/api/v1/users', { token: admin })).json()) as { users: User[]; total: number }
    expect(list.users.map((u) => u.username)).toContain('dora')
    expect(list.total).toBe(list.users.length)
    expect(JSON.stringify(list)).not.toContain('argon2')

    const paged = (await (await h.call('/api/v1/users?limit=1&offset=1', { token: admin })).json()) as {
      users: User[]
      total: number
    }
    expect(paged.users).toHaveLength(1)
    expect(paged.total).toBe(list.total)

    const got = await h.call(`/api/v1/users/${dora.id}`, { token: admin })
    expect(await got.json()).toMatchObject({ id: dora.id, username: 'dora' })

    const patched = await h.call(`/api/v1/users/${dora.id}`, {
      method: 'PATCH',
      token: admin,
      body: { role: 'admin', display_name: null },
    })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ role: 'admin', display_name: null, email: 'dora@example.com' })

    expect((await h.call(`/api/v1/users/${dora.id}`, { method: 'DELETE', token: admin })).status).toBe(200)
    await expectError(await h.call(`/api/v1/users/${dora.id}`, { token: admin }), 404, 'NOT_FOUND')
    await expectError(await h.call(`/api/v1/users/${dora.id}`, { method: 'DELETE', token: admin }), 404, 'NOT_FOUND')
  })

  test('a deleted user cannot log in and their token stops working', async () => {
    const ed = await createUser('ed')
    const token = await h.login('ed', 'ed-password')
    expect((await h.call(`/api/v1/users/${ed.id}`, { method: 'DELETE', token: admin })).status).toBe(200)
    await expectError(await h.call('/api/v1/users/me', { token }), 401)
    await expectError(
      await h.call('/api/v1/auth/login', { body: { username: 'ed', password: 'ed-password' } }),
      401,
      'INVALID_CREDENTIALS',
    )
  })

  test('an admin password reset lets the user log in with the new password only', async () => {
    const fay = await createUser('fay')
    expect(
      (
        await h.call(`/api/v1/users/${fay.id}`, {
          method: 'PATCH',
          token: admin,
          body: { password: 'reset-password-1' },
        })
      ).status,
    ).toBe(200)
    await h.login('fay', 'reset-password-1')
    await expectError(
      await h.call('/api/v1/auth/login', { body: { username: 'fay', password: 'fay-password' } }),
      401,
      'INVALID_CREDENTIALS',
    )
  })

  test('duplicate usernames are 409 CONFLICT, ignoring case', async () => {
    await createUser('gus')
    await expectError(
      await h.call('/api/v1/users', { token: admin, body: { username: 'gus', password: 'another-password' } }),
      409,
      'CONFLICT',
    )
    await expectError(
      await h.call('/api/v1/users', { token: admin, body: { username: 'GUS', password: 'another-password' } }),
      409,
      'CONFLICT',
    )
  })

  test('invalid input is 422 with details', async () => {
    const body = await expectError(
      await h.call('/api/v1/users', { token: admin, body: { username: 'has space', password: 'short' } }),
      422,
      'VALIDATION_FAILED',
    )
    expect(JSON.stringify(body.details)).toContain('username')
  })

  test('an admin cannot disable, demote or delete themself (409)', async () => {
    await expectError(
      await h.call(`/api/v1/users/${adminId}`, { method: 'PATCH', token: admin, body: { disabled: true } }),
      409,
      'CONFLICT',
    )
    await expectError(
      await h.call(`/api/v1/users/${adminId}`, { method: 'PATCH', token: admin, body: { role: 'user' } }),
      409,
      'CONFLICT',
    )
    await expectError(await h.call(`/api/v1/users/${adminId}`, { method: 'DELETE', token: admin }), 409, 'CONFLICT')
    const me = (await (await h.call('/api/v1/users/me', { token: admin })).json()) as User
    expect(me).toMatchObject({ role: 'admin', disabled: false })
  })

  test('unknown ids are 404', async () => {
    await expectError(await h.call('/api/v1/users/no-such-id', { token: admin }), 404, 'NOT_FOUND')
    await expectError(
      await h.call('/api/v1/users/no-such-id', { method: 'PATCH', token: admin, body: { display_name: 'x' } }),
      404,
      'NOT_FOUND',
    )
  })
})

describe('disabling', () => {
  test('a disabled user cannot log in (403 USER_DISABLED) and their token stops working; enabling restores both', async () => {
    const hal = await createUser('hal')
    const token = await h.login('hal', 'hal-password')
    expect(
      (await h.call(`/api/v1/users/${hal.id}`, { method: 'PATCH', token: admin, body: { disabled: true } })).status,
    ).toBe(200)
    await expectError(
      await h.call('/api/v1/auth/login', { body: { username: 'hal', password: 'hal-password' } }),
      403,
      'USER_DISABLED',
    )
    await expectError(await h.call('/api/v1/users/me', { token }), 403, 'USER_DISABLED')
    expect(
      (await h.call(`/api/v1/users/${hal.id}`, { method: 'PATCH', token: admin, body: { disabled: false } })).status,
    ).toBe(200)
    expect((await h.call('/api/v1/users/me', { token })).status).toBe(200)
  })

  test("a disabled user's refresh token is refused", async () => {
    const ida = await createUser('ida')
    const pair = (await (
      await h.call('/api/v1/auth/login', { body: { username: 'ida', password: 'ida-password' } })
    ).json()) as { refresh_token: string }
    expect(
      (await h.call(`/api/v1/users/${ida.id}`, { method: 'PATCH', token: admin, body: { disabled: true } })).status,
    ).toBe(200)
    await expectError(
      await h.call('/api/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } }),
      403,
      'USER_DISABLED',
    )
  })
})

describe('as a non-admin', () => {
  test('every admin route is 403 FORBIDDEN', async () => {
    const jon = await createUser('jon')
    const token = await h.login('jon', 'jon-password')
    await expectError(await h.call('/api/v1/users', { token }), 403, 'FORBIDDEN')
    await expectError(
      await h.call('/api/v1/users', {
        token,
        body: { username: 'mallory', password: 'mallory-password', role: 'admin' },
      }),
      403,
      'FORBIDDEN',
    )
    await expectError(await h.call(`/api/v1/users/${adminId}`, { token }), 403, 'FORBIDDEN')
    await expectError(
      await h.call(`/api/v1/users/${jon.id}`, { method: 'PATCH', token, body: { role: 'admin' } }),
      403,
      'FORBIDDEN',
    )
    await expectError(await h.call(`/api/v1/users/${adminId}`, { method: 'DELETE', token }), 403, 'FORBIDDEN')
    // a non-admin is refused before their input is looked at
    await expectError(await h.call('/api/v1/users', { token, body: {} }), 403, 'FORBIDDEN')
    expect((await (await h.call('/api/v1/users/me', { token })).json()) as User).toMatchObject({ role: 'user' })
    expect(await h.store.users.byUsername('mallory')).toBeNull()
  })

  test('a demoted admin loses admin rights with their existing token', async () => {
    const kim = await createUser('kim', { role: 'admin' })
    const token = await h.login('kim', 'kim-password')
    expect((await h.call('/api/v1/users', { token })).status).toBe(200)
    expect(
      (await h.call(`/api/v1/users/${kim.id}`, { method: 'PATCH', token: admin, body: { role: 'user' } })).status,
    ).toBe(200)
    await expectError(await h.call('/api/v1/users', { token }), 403, 'FORBIDDEN')
  })
})
