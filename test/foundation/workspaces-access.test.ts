// Workspace visibility and management: owner, members, strangers and admins; delete_files only for managed ones.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { expectError, inProcessApp, tempDir, type InProcessApp, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

let h: InProcessApp
let root: string
let admin: string
const users: Record<'owner' | 'member' | 'stranger', { id: string; token: string }> = {} as never

beforeAll(async () => {
  root = realpathSync(tempDir('cchub-ws-root-'))
  h = await inProcessApp({ config: { workspaceRoots: [root] } })
  admin = await h.login()
  for (const name of ['owner', 'member', 'stranger'] as const) {
    const res = await h.call('/api/v1/users', { token: admin, body: { username: name, password: `${name}-password` } })
    const id = ((await res.json()) as { id: string }).id
    users[name] = { id, token: await h.login(name, `${name}-password`) }
  }
}, SETUP_TIMEOUT)
afterAll(async () => {
  await h.close()
  rmSync(root, { recursive: true, force: true })
})

interface Ws {
  id: string
  name: string
  path: string
  owner_id: string
  managed: boolean
}
async function createWs(token: string, body: Record<string, unknown> = {}): Promise<Ws> {
  const res = await h.call('/api/v1/workspaces', { token, body: { name: 'w', ...body } })
  expect(res.status).toBe(201)
  return (await res.json()) as Ws
}
const listIds = async (token: string) =>
  ((await (await h.call('/api/v1/workspaces', { token })).json()) as { workspaces: Ws[] }).workspaces.map((w) => w.id)

describe('visibility', () => {
  test('owner and admin see it; a stranger gets 404 and does not see it listed', async () => {
    const ws = await createWs(users.owner.token, { name: 'private' })
    expect(ws.owner_id).toBe(users.owner.id)
    expect((await h.call(`/api/v1/workspaces/${ws.id}`, { token: users.owner.token })).status).toBe(200)
    expect((await h.call(`/api/v1/workspaces/${ws.id}`, { token: admin })).status).toBe(200)
    expect(await listIds(users.owner.token)).toContain(ws.id)
    expect(await listIds(admin)).toContain(ws.id)

    await expectError(await h.call(`/api/v1/workspaces/${ws.id}`, { token: users.stranger.token }), 404, 'NOT_FOUND')
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}/members`, { token: users.stranger.token }),
      404,
      'NOT_FOUND',
    )
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}`, {
        method: 'PATCH',
        token: users.stranger.token,
        body: { name: 'mine' },
      }),
      404,
      'NOT_FOUND',
    )
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}`, { method: 'DELETE', token: users.stranger.token }),
      404,
      'NOT_FOUND',
    )
    expect(await listIds(users.stranger.token)).not.toContain(ws.id)
  })

  test('a member sees it after PUT members and loses it after DELETE', async () => {
    const ws = await createWs(users.owner.token, { name: 'shared' })
    const put = await h.call(`/api/v1/workspaces/${ws.id}/members/${users.member.id}`, {
      method: 'PUT',
      token: users.owner.token,
      body: { session_role: 'viewer' },
    })
    expect(put.status).toBe(200)
    expect(await put.json()).toMatchObject({ user_id: users.member.id, session_role: 'viewer' })
    expect((await h.call(`/api/v1/workspaces/${ws.id}`, { token: users.member.token })).status).toBe(200)
    expect(await listIds(users.member.token)).toContain(ws.id)
    const members = (await (
      await h.call(`/api/v1/workspaces/${ws.id}/members`, { token: users.member.token })
    ).json()) as { members: { user_id: string }[] }
    expect(members.members.map((m) => m.user_id)).toEqual([users.member.id])

    const del = await h.call(`/api/v1/workspaces/${ws.id}/members/${users.member.id}`, {
      method: 'DELETE',
      token: users.owner.token,
    })
    expect(del.status).toBe(200)
    await expectError(await h.call(`/api/v1/workspaces/${ws.id}`, { token: users.member.token }), 404, 'NOT_FOUND')
    expect(await listIds(users.member.token)).not.toContain(ws.id)
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}/members/${users.member.id}`, {
        method: 'DELETE',
        token: users.owner.token,
      }),
      404,
      'NOT_FOUND',
    )
  })

  test('handing a workspace over moves who sees it', async () => {
    const ws = await createWs(users.owner.token, { name: 'handover' })
    const res = await h.call(`/api/v1/workspaces/${ws.id}`, {
      method: 'PATCH',
      token: users.owner.token,
      body: { owner_id: users.stranger.id },
    })
    expect(res.status).toBe(200)
    expect(((await res.json()) as Ws).owner_id).toBe(users.stranger.id)
    expect((await h.call(`/api/v1/workspaces/${ws.id}`, { token: users.stranger.token })).status).toBe(200)
    await expectError(await h.call(`/api/v1/workspaces/${ws.id}`, { token: users.owner.token }), 404, 'NOT_FOUND')
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}`, {
        method: 'PATCH',
        token: users.stranger.token,
        body: { owner_id: 'no-such-user' },
      }),
      404,
      'NOT_FOUND',
    )
  })
})

describe('management', () => {
  test('a member may not patch, delete or manage members (403); owner and admin may', async () => {
    const ws = await createWs(users.owner.token, { name: 'managed-by-owner' })
    await h.call(`/api/v1/workspaces/${ws.id}/members/${users.member.id}`, { method: 'PUT', token: users.owner.token })
    const m = users.member.token
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}`, { method: 'PATCH', token: m, body: { name: 'renamed' } }),
      403,
      'FORBIDDEN',
    )
    await expectError(await h.call(`/api/v1/workspaces/${ws.id}`, { method: 'DELETE', token: m }), 403, 'FORBIDDEN')
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}/members/${users.stranger.id}`, { method: 'PUT', token: m }),
      403,
      'FORBIDDEN',
    )
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}/members/${users.member.id}`, { method: 'DELETE', token: m }),
      403,
      'FORBIDDEN',
    )

    const byOwner = await h.call(`/api/v1/workspaces/${ws.id}`, {
      method: 'PATCH',
      token: users.owner.token,
      body: { name: 'renamed', description: 'd' },
    })
    expect(await byOwner.json()).toMatchObject({ name: 'renamed', description: 'd' })
    const byAdmin = await h.call(`/api/v1/workspaces/${ws.id}`, {
      method: 'PATCH',
      token: admin,
      body: { description: null },
    })
    expect(await byAdmin.json()).toMatchObject({ name: 'renamed', description: null })
    expect((await h.call(`/api/v1/workspaces/${ws.id}`, { method: 'DELETE', token: admin })).status).toBe(200)
    await expectError(await h.call(`/api/v1/workspaces/${ws.id}`, { token: users.owner.token }), 404, 'NOT_FOUND')
  })

  test('members: unknown user 404, the owner 409, a bad role 422', async () => {
    const ws = await createWs(users.owner.token, { name: 'members' })
    const t = users.owner.token
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}/members/no-such-user`, { method: 'PUT', token: t }),
      404,
      'NOT_FOUND',
    )
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}/members/${users.owner.id}`, { method: 'PUT', token: t }),
      409,
      'CONFLICT',
    )
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}/members/${users.member.id}`, {
        method: 'PUT',
        token: t,
        body: { session_role: 'owner' },
      }),
      422,
      'VALIDATION_FAILED',
    )
  })

  test('members by username: POST adds one (201, listed with the name), again changes the role; unknown 404; a member 403', async () => {
    const ws = await createWs(users.owner.token, { name: 'by-name' })
    const url = `/api/v1/workspaces/${ws.id}/members`
    const added = await h.call(url, { token: users.owner.token, body: { username: 'member', session_role: 'viewer' } })
    expect(added.status).toBe(201)
    expect(await added.json()).toMatchObject({ user_id: users.member.id, username: 'member', session_role: 'viewer' })
    const again = await h.call(url, { token: users.owner.token, body: { username: 'member' } })
    expect(await again.json()).toMatchObject({ username: 'member', session_role: 'collaborator' })
    const list = (await (await h.call(url, { token: users.member.token })).json()) as { members: unknown[] }
    expect(list.members).toEqual([expect.objectContaining({ username: 'member', session_role: 'collaborator' })])
    await expectError(await h.call(url, { token: users.owner.token, body: { username: 'nobody' } }), 404, 'NOT_FOUND')
    await expectError(
      await h.call(url, { token: users.member.token, body: { username: 'stranger' } }),
      403,
      'FORBIDDEN',
    )
    await expectError(await h.call(url, { token: users.owner.token, body: {} }), 400, 'VALIDATION_FAILED') // username missing
  })

  test('GET roots names the configured workspace roots (any signed-in user; 401 without a token)', async () => {
    const res = await h.call('/api/v1/workspaces/roots', { token: users.stranger.token })
    expect(await res.json()).toEqual({ roots: [root] })
    await expectError(await h.call('/api/v1/workspaces/roots'), 401, 'UNAUTHORIZED')
  })

  test('delete keeps a managed directory unless delete_files=true', async () => {
    const keep = await createWs(users.owner.token, { name: 'keep' })
    expect((await h.call(`/api/v1/workspaces/${keep.id}`, { method: 'DELETE', token: users.owner.token })).status).toBe(
      200,
    )
    expect(existsSync(keep.path)).toBe(true)

    const drop = await createWs(users.owner.token, { name: 'drop' })
    expect(
      (await h.call(`/api/v1/workspaces/${drop.id}?delete_files=true`, { method: 'DELETE', token: users.owner.token }))
        .status,
    ).toBe(200)
    expect(existsSync(drop.path)).toBe(false)
  })

  test('delete_files is refused (409) for a registered directory, which stays with its workspace', async () => {
    mkdirSync(join(root, 'registered'))
    const ws = await createWs(users.owner.token, { name: 'registered', path: join(root, 'registered') })
    expect(ws.managed).toBe(false)
    await expectError(
      await h.call(`/api/v1/workspaces/${ws.id}?delete_files=true`, { method: 'DELETE', token: users.owner.token }),
      409,
      'CONFLICT',
    )
    expect(existsSync(join(root, 'registered'))).toBe(true)
    expect((await h.call(`/api/v1/workspaces/${ws.id}`, { token: users.owner.token })).status).toBe(200)
    expect((await h.call(`/api/v1/workspaces/${ws.id}`, { method: 'DELETE', token: users.owner.token })).status).toBe(
      200,
    )
    expect(existsSync(join(root, 'registered'))).toBe(true)
  })

  test('unknown ids are 404 and bad input 422', async () => {
    await expectError(await h.call('/api/v1/workspaces/no-such-id', { token: admin }), 404, 'NOT_FOUND')
    await expectError(
      await h.call('/api/v1/workspaces', { token: admin, body: { name: '' } }),
      422,
      'VALIDATION_FAILED',
    )
  })
})
