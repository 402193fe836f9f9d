// Connection limits (per user → 429, total → 503, no upgrade); rate limit per connection: RATE_LIMITED, 1008 on abuse.
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Config } from '../../src/config/schema.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { waitFor } from '../support/ws-client.ts'
import { expectRefused, startHub, stats, stopHub, tryUpgrade, wsUrl, type Hub } from './helpers.ts'
import { startTestServer } from '../support/server.ts'

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

let h: Hub | undefined
afterEach(async () => {
  await stopHub(h)
  h = undefined
}, 20_000)
const hub = async (o: Partial<Config>, clock?: ManualClock) => (h = await startHub(o, { clock }))

describe('connection limits', () => {
  test('per user: the connection over wsMaxConnectionsPerUser gets HTTP 429 TOO_MANY_CONNECTIONS, no upgrade', async () => {
    const { s, admin, pool } = await hub({ wsMaxConnectionsPerUser: 3 })
    const bob = await s.createUser(admin, 'bob')
    const mine = await Promise.all([0, 1, 2].map(() => pool.connect(wsUrl(s, bob.token))))
    for (const c of mine) await c.next((m) => m.type === 'connected')
    const body = await expectRefused(await tryUpgrade(s, `/ws?token=${bob.token}`), 429, 'TOO_MANY_CONNECTIONS')
    expect(body.message).toContain('3')
    const fourth = pool.open(wsUrl(s, bob.token))
    await expect(fourth.opened).rejects.toThrow()
    // the other sockets are untouched, other users are not affected
    for (const c of mine) expect((await c.request({ type: 'ping' })).type).toBe('pong')
    const other = await pool.connect(wsUrl(s, admin))
    expect((await other.next((m) => m.type === 'connected')).data.authenticated).toBe(true)
    // a slot frees up when one closes
    await mine[0]!.close()
    await waitFor(() => s.services.gateway.connections.size === 3, 2000, 'close to be processed')
    const again = await pool.connect(wsUrl(s, bob.token))
    expect((await again.next((m) => m.type === 'connected')).data.authenticated).toBe(true)
  })

  test('per user, authenticating by message: the auth reply is TOO_MANY_CONNECTIONS', async () => {
    const { s, admin, pool } = await hub({ wsMaxConnectionsPerUser: 2 })
    const bob = await s.createUser(admin, 'bob')
    await pool.connect(wsUrl(s, bob.token))
    await pool.connect(wsUrl(s, bob.token))
    const late = await pool.connect(wsUrl(s))
    const r = await late.request({ type: 'auth', data: { token: bob.token } })
    expect(r.type).toBe('error')
    expect(r.data.code).toBe('TOO_MANY_CONNECTIONS')
    expect((await late.request({ type: 'subscribe', channel: 'system' })).data.code).toBe('UNAUTHORIZED')
    expect((await stats(h!)).connections.per_user[bob.id]).toBe(2)
  })

  test('limits hold when many sockets of one user open at once', async () => {
    const { s, admin, pool } = await hub({ wsMaxConnectionsPerUser: 3, wsMaxConnections: 10 })
    const all = Array.from({ length: 20 }, () => pool.open(wsUrl(s, admin)))
    await Promise.allSettled(all.map((c) => c.opened))
    // a socket admitted in the race and closed right after open may still be closing: wait for the count to settle
    await waitFor(
      () => all.filter((c) => c.isOpen && !c.isClosed).length === 3 && s.services.gateway.connections.size === 3,
      3000,
      '3 open sockets',
    )
    const anon = Array.from({ length: 20 }, () => pool.open(wsUrl(s)))
    await Promise.allSettled(anon.map((c) => c.opened))
    await waitFor(
      () => anon.filter((c) => c.isOpen && !c.isClosed).length === 7 && s.services.gateway.connections.size === 10,
      3000,
      '10 open sockets',
    )
    // and they stay: every one answers
    for (const c of all.concat(anon).filter((x) => x.isOpen && !x.isClosed))
      expect((await c.request({ type: 'ping' })).type).toBe('pong')
    expect(s.services.gateway.connections.size).toBe(10)
  })

  test('total: the connection over wsMaxConnections gets HTTP 503, authenticated or not', async () => {
    const { s, admin, pool } = await hub({ wsMaxConnections: 4 })
    const bob = await s.createUser(admin, 'bob')
    await pool.connect(wsUrl(s, admin))
    await pool.connect(wsUrl(s, bob.token))
    await pool.connect(wsUrl(s))
    await pool.connect(wsUrl(s))
    await expectRefused(await tryUpgrade(s, `/ws?token=${bob.token}`), 503, 'TOO_MANY_CONNECTIONS')
    await expectRefused(await tryUpgrade(s, '/ws'), 503, 'TOO_MANY_CONNECTIONS')
    const fifth = pool.open(wsUrl(s, admin))
    await expect(fifth.opened).rejects.toThrow()
    expect(s.services.gateway.connections.size).toBe(4)
    // REST is not affected
    expect((await s.api('/api/v1/users/me', { token: bob.token })).status).toBe(200)
  })
})

describe('rate limit', () => {
  test('a burst over wsRateBurst gets RATE_LIMITED replies (same ids); the socket stays and recovers', async () => {
    const clock = new ManualClock() // the bucket refills only when the test moves it
    const { s, admin, pool } = await hub({ wsRateLimit: 5, wsRateBurst: 5 }, clock)
    const c = await pool.connect(wsUrl(s, admin))
    await c.next((m) => m.type === 'connected')
    const ids = Array.from({ length: 8 }, (_, i) => `p${i}`)
    for (const id of ids) c.send({ type: 'ping', id })
    const replies = await Promise.all(ids.map((id) => c.next((m) => m.id === id)))
    const pongs = replies.filter((m) => m.type === 'pong')
    const limited = replies.filter((m) => m.type === 'error')
    expect(pongs.length).toBe(5)
    expect(limited.length).toBe(3)
    for (const m of limited) {
      expect(m.data.code).toBe('RATE_LIMITED')
      expect(m.data.message.length).toBeGreaterThan(0)
    }
    clock.advance(199) // 5 tokens per second: not one back yet
    expect((await c.request({ type: 'ping' })).data.code).toBe('RATE_LIMITED')
    clock.advance(1) // one is back
    // marker too: replies go out in order, so a second reply to any of the burst would have come before this one
    expect((await c.request({ type: 'ping' })).type).toBe('pong')
    for (const id of ids) expect(c.messages.filter((m) => m.id === id).length).toBe(1)
    expect(c.isClosed).toBe(false)
    expect((await stats(h!)).drops.rate_limited).toBe(4)
  })

  test('sustained abuse closes the socket with 1008', async () => {
    const { s, admin, pool } = await hub({ wsRateLimit: 5, wsRateBurst: 5 })
    const c = await pool.connect(wsUrl(s, admin))
    const other = await pool.connect(wsUrl(s, admin))
    await c.next((m) => m.type === 'connected')
    for (let i = 0; i < 60; i++) c.send({ type: 'ping', id: i })
    const closed = await c.closed
    expect(closed.code).toBe(1008)
    expect(closed.reason).toMatch(/rate/)
    const limited = c.messages.filter((m) => m.type === 'error' && m.data.code === 'RATE_LIMITED').length
    expect(limited).toBeGreaterThan(10)
    expect(limited).toBeLessThan(60)
    // another socket of the same user has its own bucket
    expect((await other.request({ type: 'ping' })).type).toBe('pong')
  })
})

test('a socket that authenticates by message over the per-user limit is closed with 4029', async () => {
  const s = await startTestServer({ wsMaxConnectionsPerUser: 1 })
  try {
    const token = await s.login()
    const first = new WebSocket(`${s.wsUrl}?token=${token}`)
    await new Promise((r) => (first.onopen = r))
    const second = new WebSocket(s.wsUrl)
    const closed = new Promise<{ code: number; reason: string }>(
      (r) => (second.onclose = (e) => r({ code: e.code, reason: e.reason })),
    )
    const replies: { type: string; data: { code?: string } }[] = []
    second.onmessage = (e) => replies.push(JSON.parse(String(e.data)))
    await new Promise((r) => (second.onopen = r))
    second.send(JSON.stringify({ type: 'auth', id: 1, data: { token } }))
    const { code } = await closed
    expect(code).toBe(4029)
    expect(replies.find((m) => m.type === 'error')?.data.code).toBe('TOO_MANY_CONNECTIONS')
    first.close()
  } finally {
    await s.close()
  }
})
