// The default workspace (GET /api/v1/workspaces/default) and empty sessions (POST /api/v1/claude/sessions, create_session).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { startTestServer, type TestServer } from '../support/server.ts'
import { ClientPool } from '../support/ws-client.ts'
import { expectError } from './helpers.ts'

let s: TestServer
let admin: string
const pool = new ClientPool()

beforeAll(async () => {
  s = await startTestServer()
  admin = await s.login()
})
afterAll(async () => {
  await pool.closeAll()
  await s.close()
})

const json = async (res: Response, status: number) => {
  expect(res.status).toBe(status)
  return (await res.json()) as any
}

describe('default workspace', () => {
  test('created on first use under the data directory, then the same one; concurrent first uses make one', async () => {
    const alice = await s.createUser(admin, 'alice-dw')
    const [a, b] = await Promise.all([
      s.api('/api/v1/workspaces/default', { token: alice.token }).then((r) => json(r, 200)),
      s.api('/api/v1/workspaces/default', { token: alice.token }).then((r) => json(r, 200)),
    ])
    expect(a.id).toBe(b.id)
    expect(a).toMatchObject({ owner_id: alice.id, managed: true, name: 'Default' })
    expect(a.path).toStartWith(s.dataDir)
    expect(existsSync(a.path)).toBe(true)
    expect((await json(await s.api('/api/v1/workspaces', { token: alice.token }), 200)).total).toBe(1)
    expect((await json(await s.api('/api/v1/workspaces/default', { token: admin }), 200)).id).not.toBe(a.id)
  })

  test('handed over to someone else, it is no longer yours: 409 naming the way out', async () => {
    const carol = await s.createUser(admin, 'carol-dw')
    const dave = await s.createUser(admin, 'dave-dw')
    const ws = await json(await s.api('/api/v1/workspaces/default', { token: carol.token }), 200)
    await json(
      await s.api(`/api/v1/workspaces/${ws.id}`, { method: 'PATCH', token: carol.token, body: { owner_id: dave.id } }),
      200,
    )
    const err = await expectError(await s.api('/api/v1/workspaces/default', { token: carol.token }), 409, 'CONFLICT')
    expect(err.message).toContain('workspace_id')
  })
})

describe('empty sessions', () => {
  test('POST /api/v1/claude/sessions: in the default workspace, or in workspace_id; others’ workspaces are 404', async () => {
    const bob = await s.createUser(admin, 'bob-dw')
    const plain = await json(await s.api('/api/v1/claude/sessions', { token: bob.token, body: {} }), 201)
    const def = await json(await s.api('/api/v1/workspaces/default', { token: bob.token }), 200)
    expect(plain).toMatchObject({ workspace_id: def.id, owner_id: bob.id, status: 'active', role: 'owner' })
    const ws = await json(await s.api('/api/v1/workspaces', { token: bob.token, body: { name: 'proj' } }), 201)
    const titled = await json(
      await s.api('/api/v1/claude/sessions', { token: bob.token, body: { workspace_id: ws.id, title: 'Plan' } }),
      201,
    )
    expect(titled).toMatchObject({ workspace_id: ws.id, title: 'Plan' })
    const eve = await s.createUser(admin, 'eve-dw')
    await expectError(
      await s.api('/api/v1/claude/sessions', { token: eve.token, body: { workspace_id: ws.id } }),
      404,
      'NOT_FOUND',
    )
  })

  test('a workspace viewer may not start one (403); the command action create_session does the same over WebSocket', async () => {
    const owner = await s.createUser(admin, 'owner-dw')
    const viewer = await s.createUser(admin, 'viewer-dw')
    const ws = await json(await s.api('/api/v1/workspaces', { token: owner.token, body: { name: 'team' } }), 201)
    await json(
      await s.api(`/api/v1/workspaces/${ws.id}/members/${viewer.id}`, {
        method: 'PUT',
        token: owner.token,
        body: { session_role: 'viewer' },
      }),
      200,
    )
    await expectError(
      await s.api('/api/v1/claude/sessions', { token: viewer.token, body: { workspace_id: ws.id } }),
      403,
      'FORBIDDEN',
    )
    const c = await pool.connect(`${s.wsUrl}?token=${encodeURIComponent(owner.token)}`)
    const r = await c.request({ type: 'command', data: { action: 'create_session', workspace_id: ws.id } })
    expect(r).toMatchObject({ type: 'success', data: { action: 'create_session', session: { workspace_id: ws.id } } })
    const refused = await c.request({ type: 'command', data: { action: 'create_session', workspace_id: 'nope' } })
    expect(refused).toMatchObject({ type: 'error', data: { code: 'NOT_FOUND' } })
  })
})
