// /ws/executions/:id (seed 002's websocket_url): same auth as /ws, subscribed to task:<id> from the start.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import {
  createExecution,
  createSession,
  createWorkspace,
  expectRefused,
  startHub,
  stopHub,
  tryUpgrade,
  wsUrl,
  type Hub,
} from './helpers.ts'

// Replayed from seq 0 unless ?since= says otherwise; refused with FORBIDDEN for an execution the user may not read.

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

let h: Hub
let bob: { id: string; token: string }
let eve: { id: string; token: string }
let taskId: string
let channel: string

beforeAll(async () => {
  h = await startHub({ wsAuthTimeout: 2 })
  bob = await h.s.createUser(h.admin, 'bob')
  eve = await h.s.createUser(h.admin, 'eve')
  const ws = await createWorkspace(h.s, bob.token, 'exec')
  taskId = await createExecution(h.s, await createSession(h.s, bob.id, ws), ws, bob.id)
  channel = `task:${taskId}`
  for (let i = 1; i <= 3; i++) await h.s.services.log.emit(channel, 'log', { i })
}, 20_000)
afterEach(() => h.pool.closeAll())
afterAll(() => stopHub(h), 20_000)

const execUrl = (id: string, token?: string, since?: number) =>
  wsUrl(h.s, undefined, `/ws/executions/${id}`) +
  (token || since !== undefined ? '?' : '') +
  [token ? `token=${encodeURIComponent(token)}` : '', since !== undefined ? `since=${since}` : '']
    .filter(Boolean)
    .join('&')

describe('/ws/executions/:id', () => {
  test('with ?token=: connected, the execution replayed from the start, a success for the subscription, then live', async () => {
    const c = await h.pool.connect(execUrl(taskId, bob.token))
    expect((await c.next()).type).toBe('connected')
    const sub = await c.next((m) => m.type === 'success')
    expect(sub.id).toBeUndefined()
    expect(sub.data).toMatchObject({ action: 'subscribe', channel, seq: 3, replayed: 3 })
    expect(c.channelMessages(channel).map((m) => m.seq)).toEqual([1, 2, 3])
    // replayed frames come before the success that reports them
    expect(c.messages.findIndex((m) => m.seq === 3)).toBeLessThan(c.messages.indexOf(sub))
    const s4 = await h.s.services.log.emit(channel, 'status', { state: 'done' })
    expect((await c.next((m) => m.seq === s4)).data).toEqual({ state: 'done' })
    expect(h.s.services.gateway.stats.perChannel.get(channel)).toBe(1)
  })

  test('?since= resumes after that seq', async () => {
    const c = await h.pool.connect(execUrl(taskId, bob.token, 2))
    const sub = await c.next((m) => m.type === 'success')
    expect(sub.data.replayed).toBeGreaterThanOrEqual(1)
    expect(c.channelMessages(channel)[0]!.seq).toBe(3)
  })

  test('an admin may watch any execution; an API key works too', async () => {
    const c = await h.pool.connect(execUrl(taskId, h.admin))
    expect((await c.next((m) => m.type === 'success' || m.type === 'error')).type).toBe('success')
    const key = (
      (await (await h.s.api('/api/v1/auth/api-keys', { token: bob.token, body: { name: 'k' } })).json()) as {
        key: string
      }
    ).key
    const k = await h.pool.connect(execUrl(taskId, key))
    expect((await k.next((m) => m.type === 'success' || m.type === 'error')).type).toBe('success')
  })

  test("someone else's execution: the socket opens but the subscription is refused with FORBIDDEN", async () => {
    const c = await h.pool.connect(execUrl(taskId, eve.token))
    expect((await c.next()).type).toBe('connected')
    const err = await c.next((m) => m.type === 'error')
    expect(err.data.code).toBe('FORBIDDEN')
    expect(err.data.message).toContain(channel)
    await h.s.services.log.emit(channel, 'log', { secret: true })
    // marker: the emit is published once it resolves, so a leak would be in the socket before this reply
    expect((await c.request({ type: 'ping' })).type).toBe('pong')
    expect(c.channelMessages(channel)).toEqual([])
  })

  test('an execution that does not exist is FORBIDDEN, for admins too (ids do not leak)', async () => {
    const c = await h.pool.connect(execUrl('no-such-execution', h.admin))
    const err = await c.next((m) => m.type === 'error')
    expect(err.data.code).toBe('FORBIDDEN')
  })

  test('without a token: the subscription happens right after the auth message', async () => {
    const c = await h.pool.connect(execUrl(taskId))
    expect((await c.next()).data.authenticated).toBe(false)
    // marker: a replay before the auth would have come before this reply
    expect((await c.request({ type: 'ping' })).type).toBe('pong')
    expect(c.channelMessages(channel)).toEqual([])
    const auth = await c.request({ type: 'auth', data: { token: bob.token } })
    expect(auth.type).toBe('success')
    const sub = await c.next((m) => m.type === 'success' && m.data.action === 'subscribe')
    expect(sub.data.channel).toBe(channel)
    expect(
      c
        .channelMessages(channel)
        .map((m) => m.seq)
        .slice(0, 3),
    ).toEqual([1, 2, 3])
  })

  test('bad token: HTTP 401, no upgrade', async () => {
    await expectRefused(await tryUpgrade(h.s, `/ws/executions/${taskId}?token=nope`), 401, 'UNAUTHORIZED')
    const c = h.pool.open(execUrl(taskId, 'nope'))
    await expect(c.opened).rejects.toThrow()
  })
})
