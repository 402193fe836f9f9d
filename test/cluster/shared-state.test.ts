// What users see is cluster-wide: presence, typing, the per-user connection cap and the login throttle across two nodes.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createSession } from '../../src/modules/sessions/create.ts'
import { requireCluster, TestCluster } from '../support/cluster.ts'
import { REDIS_URL } from '../support/redis.ts'
import { startTcpProxy } from '../support/tcp-proxy.ts'
import type { TestServer } from '../support/server.ts'
import { waitFor, type WsClient } from '../support/ws-client.ts'
import { join, seen } from '../collab/helpers.ts'
import { expectRefused, tryUpgrade } from '../realtime/helpers.ts'

const hasServices = await requireCluster('test/cluster/shared-state.test.ts')

type Node = TestServer & { id: string }
type User = { id: string; token: string }
let cluster: TestCluster
let a: Node
let b: Node
const u = {} as Record<'alice' | 'bob' | 'carol', User>
let sessionId: string

/** Heartbeat 0.3 s → presence grace 0.6 s; at most 3 streams per user; 2 failed logins per username. */
const SHARED = {
  wsPingInterval: 0.3,
  wsMaxConnectionsPerUser: 3,
  loginMaxFailures: 2,
  wsRateLimit: 1000,
  wsRateBurst: 1000,
}

beforeAll(async () => {
  if (!hasServices) return
  cluster = await TestCluster.start()
  a = await cluster.node('A', SHARED)
  b = await cluster.node('B', SHARED)
  const admin = await a.login()
  for (const name of ['alice', 'bob', 'carol'] as const) u[name] = await a.createUser(admin, name)
  const ws = (await (await a.api('/api/v1/workspaces', { token: u.alice.token, body: { name: 'w' } })).json()) as any
  const store = a.services.store
  const s = await createSession(store, { workspace_id: ws.id, owner_id: u.alice.id, title: 't', cli_session_id: null })
  await store.sessions.putParticipant({
    session_id: s.id,
    user_id: u.bob.id,
    role: 'collaborator',
    created_at: s.created_at,
  })
  sessionId = s.id
}, 60_000)

afterEach(() => cluster?.pool.closeAll())
afterAll(async () => {
  if (hasServices) await cluster.close()
})

async function sock(node: Node, who: User): Promise<WsClient> {
  const c = await cluster.pool.connect(`${node.wsUrl}?token=${encodeURIComponent(who.token)}`)
  await c.next((m) => m.type === 'connected')
  return c
}

const online = (state: any) =>
  Object.fromEntries(state.participants.map((p: any) => [p.username, p.connections])) as Record<string, number>

describe.skipIf(!hasServices)('cluster-wide state', () => {
  test('presence: users on two nodes see each other, tabs are counted on both, the last tab closing is seen across', async () => {
    const aliceA = await sock(a, u.alice)
    await join(aliceA, sessionId)
    const bobB = await sock(b, u.bob)
    const { state } = await join(bobB, sessionId)
    expect(online(state)).toEqual({ alice: 1, bob: 1 })
    const bobJoined = await aliceA.next((m) => m.type === 'participant_joined' && m.data.user_id === u.bob.id)
    expect(bobJoined.data).toMatchObject({ username: 'bob', role: 'collaborator', connections: 1 })

    // a second tab of alice, on the other node: no second participant_joined, two connections everywhere
    const aliceB = await sock(b, u.alice)
    expect(online((await join(aliceB, sessionId)).state)).toEqual({ alice: 2, bob: 1 })
    await waitFor(() => a.services.collab.presence.connections(sessionId, u.alice.id) === 2, 3000, 'A sees 2 tabs')
    const parts = (await (
      await a.api(`/api/v1/claude/sessions/${sessionId}/participants`, { token: u.bob.token })
    ).json()) as any
    expect(parts.participants.find((p: any) => p.username === 'bob')).toMatchObject({ online: true, connections: 1 })
    expect(seen(bobB, 'participant_joined', u.alice.id)).toHaveLength(0)

    // bob's only tab (on B) closes: after the grace period alice's socket on A sees him leave, once
    bobB.close()
    const left = await aliceA.next((m) => m.type === 'participant_left' && m.data.user_id === u.bob.id, 5000)
    expect(left.data).toMatchObject({ username: 'bob', connections: 0, reason: 'disconnected' })
    expect(a.services.collab.presence.isPresent(sessionId, u.bob.id)).toBe(false)

    // alice's tab on A leaves: she is still on B, so nobody sees her leave
    const bob2 = await sock(a, u.bob)
    await join(bob2, sessionId)
    await aliceA.request({ type: 'leave_collaboration', session_id: sessionId })
    await waitFor(() => b.services.collab.presence.connections(sessionId, u.alice.id) === 1, 3000, 'B sees 1 tab')
    expect(seen(bob2, 'participant_left', u.alice.id)).toHaveLength(0)
    await aliceB.request({ type: 'leave_collaboration', session_id: sessionId })
    const aliceLeft = await bob2.next((m) => m.type === 'participant_left' && m.data.user_id === u.alice.id)
    expect(aliceLeft.data.reason).toBe('left')
  })

  test('typing: a start and a stop on node A reach a collaborator on node B', async () => {
    const aliceA = await sock(a, u.alice)
    await join(aliceA, sessionId)
    const bobB = await sock(b, u.bob)
    await join(bobB, sessionId)
    aliceA.send({ type: 'typing', session_id: sessionId, data: { state: 'start' } })
    const start = await bobB.next((m) => m.type === 'typing' && m.data.user_id === u.alice.id)
    expect(start.data).toMatchObject({ session_id: sessionId, username: 'alice', state: 'start' })
    aliceA.send({ type: 'typing', session_id: sessionId, data: { state: 'stop' } })
    const stop = await bobB.next((m) => m.type === 'typing' && m.data.state === 'stop')
    expect(stop.data.user_id).toBe(u.alice.id)
    expect(seen(aliceA, 'typing', u.alice.id)).toHaveLength(0) // never back to the sender
  })

  test('the per-user cap counts streams on every node: 2 on A and 1 on B, then both refuse; one closing frees a slot', async () => {
    const mine = [await sock(a, u.carol), await sock(a, u.carol), await sock(b, u.carol)]
    await expectRefused(await tryUpgrade(b, `/ws?token=${u.carol.token}`), 429, 'TOO_MANY_CONNECTIONS')
    await expectRefused(await tryUpgrade(a, `/ws?token=${u.carol.token}`), 429, 'TOO_MANY_CONNECTIONS')
    const sse = await b.api(`/api/v1/events?channel=user:${u.carol.id}`, { token: u.carol.token })
    expect(sse.status).toBe(429)
    mine[0]!.close()
    await mine[0]!.closed
    // the count on A drops asynchronously: B accepts once Redis has it
    await waitFor(
      async () => {
        const c = cluster.pool.open(`${b.wsUrl}?token=${encodeURIComponent(u.carol.token)}`)
        return c.opened.then(
          () => true,
          () => false,
        )
      },
      5000,
      'a slot freed on A is usable on B',
    )
  })

  test('login throttle: failures on A and on B add up, so the third attempt on either is refused', async () => {
    const attempt = (node: Node) => node.api('/api/v1/auth/login', { body: { username: 'mallory', password: 'guess' } })
    expect((await attempt(a)).status).toBe(401)
    expect((await attempt(b)).status).toBe(401)
    const third = await attempt(a)
    expect(third.status).toBe(429)
    expect(((await third.json()) as any).code).toBe('RATE_LIMITED')
    expect((await attempt(b)).status).toBe(429)
  })

  test('kill -9 of a node: its users leave presence on the others within the lease and a third (plus 1 s)', async () => {
    // bob's tabs of the earlier tests are closed, but presence keeps him for its grace (2 heartbeats): only once that has
    // passed is his join on C a new arrival that A announces
    const bobGone = () => !a.services.collab.presence.isPresent(sessionId, u.bob.id)
    await waitFor(bobGone, 10_000, 'bob to leave after the earlier tests')
    const c = await cluster.child('C')
    const aliceA = await sock(a, u.alice)
    await join(aliceA, sessionId)
    const bobC = await cluster.pool.connect(`${c.wsUrl}?token=${encodeURIComponent(u.bob.token)}`)
    await bobC.next((m) => m.type === 'connected')
    await join(bobC, sessionId)
    // a fresh child node on a loaded machine: its announcement may take a while
    await aliceA.next((m) => m.type === 'participant_joined' && m.data.user_id === u.bob.id, 10_000)
    const killedAt = Date.now()
    c.proc.kill('SIGKILL')
    const left = await aliceA.next((m) => m.type === 'participant_left' && m.data.user_id === u.bob.id, 10_000)
    const noticedMs = Date.now() - killedAt
    expect(left.data.reason).toBe('disconnected')
    expect(noticedMs).toBeLessThan(cluster.leaseMs + cluster.leaseMs / 3 + 1000)
    expect(a.services.collab.presence.online(sessionId).map((p) => p.username)).toEqual(['alice'])
  }, 30_000)

  test('Redis unreachable: a login on that node gets 503 REDIS_UNAVAILABLE (not a 500, no hang); back: it logs in', async () => {
    const target = new URL(REDIS_URL)
    const proxy = startTcpProxy({ hostname: target.hostname, port: Number(target.port || 6379) })
    const d = await cluster.node('D', { ...SHARED, redisUrl: `redis://127.0.0.1:${proxy.port}` })
    try {
      const login = () => d.api('/api/v1/auth/login', { body: { username: 'carol', password: 'carol-password' } })
      expect((await login()).status).toBe(200)
      proxy.cut()
      const res = await login()
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('5')
      expect(((await res.json()) as any).code).toBe('REDIS_UNAVAILABLE')
      proxy.restore()
      await waitFor(async () => (await login()).status === 200, 10_000, 'login through Redis again')
    } finally {
      proxy.restore()
      // stopped while Redis is reachable: its lease and counts are dropped, not left to hang on a dead proxy
      await d.close({ keepData: true })
      proxy.stop()
    }
  }, 30_000)
})
