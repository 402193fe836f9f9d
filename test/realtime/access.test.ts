// Channel access: every channel kind × owner, member, other user and admin, on subscribe and on delivery.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { WsClient } from '../support/ws-client.ts'
import { createExecution, createSession, createWorkspace, startHub, stopHub, wsUrl, type Hub } from './helpers.ts'

// Re-checked when membership changes; broadcast is admin-only to publish and reaches everyone.

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

type Role = 'owner' | 'member' | 'other' | 'admin'
const ROLES: Role[] = ['owner', 'member', 'other', 'admin']

let h: Hub
const who = {} as Record<Role, { id: string; token: string }>
let wsId: string
let sessionId: string
let taskId: string

beforeAll(async () => {
  h = await startHub({ wsRateLimit: 1000, wsRateBurst: 1000 })
  who.admin = { id: h.adminId, token: h.admin }
  for (const r of ['owner', 'member', 'other'] as const) who[r] = await h.s.createUser(h.admin, r)
  wsId = await createWorkspace(h.s, who.owner.token)
  const res = await h.s.api(`/api/v1/workspaces/${wsId}/members/${who.member.id}`, {
    method: 'PUT',
    token: who.owner.token,
    body: {},
  })
  expect(res.status).toBe(200)
  sessionId = await createSession(h.s, who.owner.id, wsId)
  taskId = await createExecution(h.s, sessionId, wsId, who.owner.id)
}, 20_000)
afterEach(() => h.pool.closeAll())
afterAll(() => stopHub(h), 20_000)

const connect = async (r: Role) => {
  const c = await h.pool.connect(wsUrl(h.s, who[r].token))
  await c.next((m) => m.type === 'connected')
  return c
}

/**
 * The matrix: which role may read which channel. A session (and its executions' task: channels) is readable by the
 * session owner, workspace owner and members, and admins; ids that do not exist are refused like forbidden ones.
 */
function matrix(): [string, (r: Role) => boolean][] {
  return [
    [`workspace:${wsId}`, (r) => r !== 'other'],
    ['workspace:does-not-exist', () => false],
    [`user:${who.owner.id}`, (r) => r === 'owner'],
    [`user:${who.member.id}`, (r) => r === 'member'],
    [`user:${who.other.id}`, (r) => r === 'other'],
    [`user:${who.admin.id}`, (r) => r === 'admin'],
    ['system', () => true],
    ['broadcast', () => true],
    [`session:${sessionId}`, (r) => r !== 'other'],
    [`task:${taskId}`, (r) => r !== 'other'],
    ['session:does-not-exist', () => false],
    ['task:does-not-exist', () => false],
  ]
}

describe('access matrix', () => {
  test('subscribe: allowed → success, otherwise FORBIDDEN (ids do not leak: same answer for missing ones)', async () => {
    const clients = Object.fromEntries(
      await Promise.all(ROLES.map(async (r) => [r, await connect(r)] as const)),
    ) as Record<Role, WsClient>
    const outcome: Record<string, string> = {}
    const expected: Record<string, string> = {}
    for (const [channel, allowed] of matrix()) {
      for (const r of ROLES) {
        const reply = await clients[r].request({ type: 'subscribe', channel })
        outcome[`${r} ${channel}`] = reply.type === 'success' ? 'ok' : reply.data.code
        expected[`${r} ${channel}`] = allowed(r) ? 'ok' : 'FORBIDDEN'
        if (reply.type === 'error') expect(reply.data.message).toContain(channel)
      }
    }
    expect(outcome).toEqual(expected)
  })

  test('delivery: each role receives exactly the channels it may read', async () => {
    const clients = Object.fromEntries(
      await Promise.all(ROLES.map(async (r) => [r, await connect(r)] as const)),
    ) as Record<Role, WsClient>
    for (const [channel] of matrix()) for (const r of ROLES) await clients[r].request({ type: 'subscribe', channel })
    for (const [channel] of matrix()) await h.s.services.log.emit(channel, 'probe', { channel })
    await h.s.services.log.drain()
    // a marker on a channel everyone reads, published last: once it arrives, everything before it has too
    await h.s.services.log.emit('broadcast', 'marker', {})
    for (const r of ROLES) await clients[r].next((m) => m.type === 'marker')
    for (const r of ROLES) {
      const got = clients[r].messages
        .filter((m) => m.type === 'probe')
        .map((m) => m.channel)
        .sort()
      const want = matrix()
        .filter(([, allowed]) => allowed(r))
        .map(([c]) => c)
        .sort()
      expect({ role: r, channels: got }).toEqual({ role: r, channels: want })
    }
  })
})

describe('re-checked when access changes', () => {
  test('a removed member gets `unsubscribed` and stops receiving; the owner keeps receiving', async () => {
    const extra = await h.s.createUser(h.admin, 'temp-member')
    const ws = await createWorkspace(h.s, who.owner.token, 'recheck')
    const ch = `workspace:${ws}`
    const session = `session:${await createSession(h.s, who.owner.id, ws)}`
    const c = await h.pool.connect(wsUrl(h.s, extra.token))
    expect((await c.request({ type: 'subscribe', channel: ch })).data.code).toBe('FORBIDDEN')
    expect(
      (
        await h.s.api(`/api/v1/workspaces/${ws}/members/${extra.id}`, {
          method: 'PUT',
          token: who.owner.token,
          body: {},
        })
      ).status,
    ).toBe(200)
    expect((await c.request({ type: 'subscribe', channel: ch })).type).toBe('success')
    expect((await c.request({ type: 'subscribe', channel: session })).type).toBe('success')
    expect((await c.request({ type: 'subscribe', channel: 'system' })).type).toBe('success')
    const owner = await connect('owner')
    await owner.subscribe(ch)

    const s1 = await h.s.services.log.emit(ch, 'log', { n: 1 })
    await c.next((m) => m.channel === ch && m.seq === s1)

    expect(
      (await h.s.api(`/api/v1/workspaces/${ws}/members/${extra.id}`, { method: 'DELETE', token: who.owner.token }))
        .status,
    ).toBe(200)
    const lost = [await c.next((m) => m.type === 'unsubscribed'), await c.next((m) => m.type === 'unsubscribed')]
    expect(lost.map((m) => m.channel).sort()).toEqual([ch, session].sort())
    for (const m of lost) expect(m.data.reason).toMatch(/access/)

    const s2 = await h.s.services.log.emit(ch, 'log', { n: 2 })
    await owner.next((m) => m.channel === ch && m.seq === s2)
    // marker: s2 was published to every subscriber before the owner got it; c answers a ping after it would have had it
    expect((await c.request({ type: 'ping' })).type).toBe('pong')
    expect(c.messages.filter((m) => m.channel === ch && m.type === 'log').map((m) => m.seq)).toEqual([s1])
    // and cannot come back
    expect((await c.request({ type: 'subscribe', channel: ch, data: { since: 0 } })).data.code).toBe('FORBIDDEN')
    expect(c.isClosed).toBe(false)
    expect(h.s.services.gateway.stats.perChannel.get(ch)).toBe(1)
    // what it may still read is untouched: no further unsubscribed before the answer to a later ping
    expect((await c.request({ type: 'ping' })).type).toBe('pong')
    expect(c.messages.filter((m) => m.type === 'unsubscribed').length).toBe(2)
  })

  test('transferring a workspace drops the old owner; deleting it drops everyone but leaves sockets open', async () => {
    const ws = await createWorkspace(h.s, who.owner.token, 'transfer')
    const ch = `workspace:${ws}`
    const owner = await connect('owner')
    const admin = await connect('admin')
    await owner.subscribe(ch)
    await admin.subscribe(ch)
    expect(
      (
        await h.s.api(`/api/v1/workspaces/${ws}`, {
          method: 'PATCH',
          token: who.owner.token,
          body: { owner_id: who.other.id },
        })
      ).status,
    ).toBe(200)
    expect((await owner.next((m) => m.type === 'unsubscribed')).channel).toBe(ch)
    const newOwner = await connect('other')
    await newOwner.subscribe(ch)

    expect(
      (await h.s.api(`/api/v1/workspaces/${ws}`, { method: 'DELETE', token: who.admin.token })).status,
    ).toBeLessThan(300)
    for (const c of [newOwner, admin]) expect((await c.next((m) => m.type === 'unsubscribed')).channel).toBe(ch)
    expect(admin.isClosed || owner.isClosed || newOwner.isClosed).toBe(false)
  })

  test("an admin demoted to user loses other people's workspaces, on open subscriptions and on new subscribes", async () => {
    const boss = await h.s.createUser(h.admin, 'boss', 'admin')
    const ws = await createWorkspace(h.s, who.owner.token, 'demotion')
    const ch = `workspace:${ws}`
    const c = await h.pool.connect(wsUrl(h.s, boss.token))
    await c.subscribe(ch)
    expect(
      (await h.s.api(`/api/v1/users/${boss.id}`, { method: 'PATCH', token: h.admin, body: { role: 'user' } })).status,
    ).toBe(200)
    const ws2 = await createWorkspace(h.s, who.owner.token, 'demotion-2')
    // a new subscribe on the same socket uses the current role, not the one at connect time
    expect((await c.request({ type: 'subscribe', channel: `workspace:${ws2}` })).data.code).toBe('FORBIDDEN')
    // the subscription made while admin is dropped
    expect((await c.next((m) => m.type === 'unsubscribed', 2000)).channel).toBe(ch)
  })
})

describe('POST /api/v1/broadcast', () => {
  test('admin only: users get 403, anonymous 401', async () => {
    expect((await h.s.api('/api/v1/broadcast', { token: who.owner.token, body: { data: { x: 1 } } })).status).toBe(403)
    expect((await h.s.api('/api/v1/broadcast', { body: { data: { x: 1 } } })).status).toBe(401)
  })

  test('reaches every authenticated subscriber of broadcast and of system, and nobody else', async () => {
    const subs = await Promise.all(ROLES.map(connect))
    for (const c of subs) {
      await c.subscribe('broadcast')
      await c.subscribe('system')
    }
    const bystander = await connect('other') // authenticated but not subscribed
    const anon = await h.pool.connect(wsUrl(h.s)) // never authenticated
    const r1 = await h.s.api('/api/v1/broadcast', { token: h.admin, body: { data: { text: 'hello all' } } })
    expect(r1.status).toBe(200)
    expect(await r1.json()).toEqual({ ok: true })
    const r2 = await h.s.api('/api/v1/broadcast', {
      token: h.admin,
      body: { channel: 'system', type: 'maintenance', data: { in_minutes: 5 } },
    })
    expect(r2.status).toBe(200)
    for (const c of subs) {
      const b = await c.next((m) => m.channel === 'broadcast')
      expect(b).toMatchObject({ type: 'broadcast', channel: 'broadcast', data: { text: 'hello all' } })
      expect(b.seq).toBeUndefined()
      const s = await c.next((m) => m.channel === 'system')
      expect(s).toMatchObject({ type: 'maintenance', channel: 'system', data: { in_minutes: 5 } })
    }
    // marker: both publishes happened before the subscribers got them; a ping answered later comes after any leak
    for (const x of [bystander, anon]) expect((await x.request({ type: 'ping' })).type).toBe('pong')
    expect(bystander.messages.filter((m) => m.channel)).toEqual([])
    expect(anon.messages.filter((m) => m.channel)).toEqual([])
  })

  test('only broadcast or system may be targeted', async () => {
    const res = await h.s.api('/api/v1/broadcast', {
      token: h.admin,
      body: { channel: `user:${who.owner.id}`, data: {} },
    })
    expect(res.status).toBe(422)
  })
})
