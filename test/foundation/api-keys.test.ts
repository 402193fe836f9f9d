// API keys: shown once, stored as a hash, accepted as X-API-Key and as Bearer, revocable only by their owner.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { expectError, inProcessApp, type InProcessApp, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

let h: InProcessApp
let admin: string
let bob: string

beforeAll(async () => {
  h = await inProcessApp()
  admin = await h.login()
  expect(
    (await h.call('/api/v1/users', { token: admin, body: { username: 'bob', password: 'bob-password' } })).status,
  ).toBe(201)
  bob = await h.login('bob', 'bob-password')
}, SETUP_TIMEOUT)
afterAll(() => h.close())

interface Created {
  id: string
  key: string
  name: string
  prefix: string
  revoked_at: string | null
  expires_at: string | null
}
async function create(token: string, name: string, extra: Record<string, unknown> = {}): Promise<Created> {
  const res = await h.call('/api/v1/auth/api-keys', { token, body: { name, ...extra } })
  expect(res.status).toBe(200)
  return (await res.json()) as Created
}

test('create returns the key once; the listing and the database never hold it', async () => {
  const created = await create(admin, 'ci', { expires_in_days: 30 })
  expect(created.key).toStartWith('cchub_')
  expect(created.key.length).toBeGreaterThan(40)
  expect(created.key).toStartWith(created.prefix)
  expect(created.revoked_at).toBeNull()
  expect(Date.parse(created.expires_at!) - Date.now()).toBeGreaterThan(29 * 86_400_000)

  const listRes = await h.call('/api/v1/auth/api-keys', { token: admin })
  expect(listRes.status).toBe(200)
  const text = await listRes.text()
  expect(text).not.toContain(created.key)
  const list = JSON.parse(text) as { api_keys: Record<string, unknown>[] }
  const entry = list.api_keys.find((k) => k.id === created.id)!
  expect(entry).toBeDefined()
  expect(entry).not.toHaveProperty('key')
  expect(entry).not.toHaveProperty('key_hash')

  const rows = h.store.db.query('SELECT * FROM api_keys').all()
  expect(JSON.stringify(rows)).not.toContain(created.key)
})

test('works as X-API-Key and as Authorization: Bearer, as its owner', async () => {
  const { key } = await create(bob, 'script')
  for (const headers of [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }] as Record<string, string>[]) {
    const res = await h.call('/api/v1/users/me', { headers })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { username: string }).username).toBe('bob')
  }
})

test('a revoked key is 401 at once and shows revoked_at in the listing', async () => {
  const { id, key } = await create(bob, 'short-lived')
  const res = await h.call(`/api/v1/auth/api-keys/${id}`, { method: 'DELETE', token: bob })
  expect(res.status).toBe(200)
  await expectError(await h.call('/api/v1/users/me', { headers: { 'x-api-key': key } }), 401)
  await expectError(await h.call('/api/v1/users/me', { headers: { authorization: `Bearer ${key}` } }), 401)
  const list = (await (await h.call('/api/v1/auth/api-keys', { token: bob })).json()) as { api_keys: Created[] }
  expect(list.api_keys.find((k) => k.id === id)?.revoked_at).not.toBeNull()
  await expectError(await h.call(`/api/v1/auth/api-keys/${id}`, { method: 'DELETE', token: bob }), 404, 'NOT_FOUND')
})

test("another user's key cannot be revoked (404) and keeps working", async () => {
  const { id, key } = await create(admin, 'admin-key')
  await expectError(await h.call(`/api/v1/auth/api-keys/${id}`, { method: 'DELETE', token: bob }), 404, 'NOT_FOUND')
  expect((await h.call('/api/v1/users/me', { headers: { 'x-api-key': key } })).status).toBe(200)
  const bobsList = (await (await h.call('/api/v1/auth/api-keys', { token: bob })).json()) as { api_keys: Created[] }
  expect(bobsList.api_keys.some((k) => k.id === id)).toBe(false)
})

test('an expired key is 401 TOKEN_EXPIRED', async () => {
  const { id, key } = await create(bob, 'expiring', { expires_in_days: 1 })
  expect((await h.call('/api/v1/users/me', { headers: { 'x-api-key': key } })).status).toBe(200)
  h.store.db.query('UPDATE api_keys SET expires_at = $at WHERE id = $id').run({ id, at: Date.now() - 1000 })
  await expectError(await h.call('/api/v1/users/me', { headers: { 'x-api-key': key } }), 401, 'TOKEN_EXPIRED')
})

test('an unknown key with the right prefix is 401', async () => {
  await expectError(
    await h.call('/api/v1/users/me', { headers: { 'x-api-key': 'cchub_' + 'x'.repeat(43) } }),
    401,
    'UNAUTHORIZED',
  )
  await expectError(await h.call('/api/v1/users/me', { headers: { 'x-api-key': 'something-else' } }), 401)
})

test("a disabled user's key stops working", async () => {
  expect(
    (await h.call('/api/v1/users', { token: admin, body: { username: 'carol', password: 'carol-password' } })).status,
  ).toBe(201)
  const carol = await h.login('carol', 'carol-password')
  const { key } = await create(carol, 'carol-key')
  const carolId = ((await (await h.call('/api/v1/users/me', { token: carol })).json()) as { id: string }).id
  expect(
    (await h.call(`/api/v1/users/${carolId}`, { method: 'PATCH', token: admin, body: { disabled: true } })).status,
  ).toBe(200)
  await expectError(await h.call('/api/v1/users/me', { headers: { 'x-api-key': key } }), 403, 'USER_DISABLED')
})
