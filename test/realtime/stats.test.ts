// GET /api/v1/ws/stats and GET /metrics (Prometheus text), admin only: connections, subscribers, messages, replays.
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from 'bun:test'
import { waitFor } from '../support/ws-client.ts'
import { createApiKey, createWorkspace, startHub, stats, stopHub, wsUrl, type Hub } from './helpers.ts'

// Connections total and per user, subscribers per channel, messages in/out; both follow opens, subscribes and closes.

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

let h: Hub
let bob: { id: string; token: string }
beforeEach(async () => {
  h = await startHub({ wsRateLimit: 1000, wsRateBurst: 1000 })
  bob = await h.s.createUser(h.admin, 'bob')
}, 20_000)
afterEach(() => stopHub(h), 20_000)

/** Parses Prometheus text into "name{labels}" → value, checking every sample has HELP and TYPE lines. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>()
  const typed = new Set<string>()
  const helped = new Set<string>()
  for (const line of text.trim().split('\n')) {
    if (line.startsWith('# HELP ')) helped.add(line.split(' ')[2]!)
    else if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      expect(['gauge', 'counter']).toContain(type!)
      typed.add(name!)
    } else {
      const m = /^([a-z_]+)(\{[^}]*\})? (-?\d+(?:\.\d+)?)$/.exec(line)
      if (!m) throw new Error(`not a Prometheus sample: ${line}`)
      expect(typed.has(m[1]!)).toBe(true)
      expect(helped.has(m[1]!)).toBe(true)
      out.set(m[1]! + (m[2] ?? ''), Number(m[3]))
    }
  }
  return out
}

async function metrics(token = h.admin): Promise<Map<string, number>> {
  const res = await h.s.api('/metrics', { token })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/plain')
  return parseMetrics(await res.text())
}

test('admin only: users get 403, anonymous 401; an admin API key can scrape /metrics', async () => {
  expect((await h.s.api('/api/v1/ws/stats', { token: bob.token })).status).toBe(403)
  expect((await h.s.api('/api/v1/ws/stats')).status).toBe(401)
  expect((await h.s.api('/metrics', { token: bob.token })).status).toBe(403)
  expect((await h.s.api('/metrics')).status).toBe(401)
  const { key } = await createApiKey(h.s, h.admin, 'prometheus')
  const res = await h.s.api('/metrics', { headers: { 'x-api-key': key } })
  expect(res.status).toBe(200)
  expect(await res.text()).toContain('# TYPE cchub_ws_connections gauge')
})

test('stats and metrics reflect connections, per-user counts, subscriptions, in/out and replays', async () => {
  const ch = `workspace:${await createWorkspace(h.s, h.admin, 'stats')}`
  for (let i = 0; i < 4; i++) await h.s.services.log.emit(ch, 'log', { i })
  const base = await stats(h)
  expect(base.connections).toEqual({ total: 0, authenticated: 0, per_user: {} })

  const a1 = await h.pool.connect(wsUrl(h.s, h.admin))
  const a2 = await h.pool.connect(wsUrl(h.s, h.admin))
  const b = await h.pool.connect(wsUrl(h.s, bob.token))
  const anon = await h.pool.connect(wsUrl(h.s))
  await a1.subscribe(ch)
  await a1.subscribe('system')
  await b.subscribe('system')
  await a2.subscribe(ch, 1) // replays 2, 3, 4
  await anon.request({ type: 'ping' })
  await b.request({ type: 'ping' })
  const sent = 6

  for (let i = 0; i < 3; i++) await h.s.services.log.emit(ch, 'log', { live: i })
  await h.s.services.log.emit('system', 'notice', {})
  await a1.until(() => a1.channelMessages(ch).length === 3)
  await b.next((m) => m.channel === 'system')

  const st = await stats(h)
  expect(st.connections).toEqual({ total: 4, authenticated: 3, per_user: { [h.adminId]: 2, [bob.id]: 1 } })
  expect(st.subscriptions).toEqual({ [ch]: 2, system: 2 })
  expect(st.messages.in - base.messages.in).toBe(sent)
  expect(st.messages.out - base.messages.out).toBe(3 * 2 + 2) // 3 frames to 2 subscribers of ch, 1 to 2 of system
  expect(st.messages.published - base.messages.published).toBe(4)
  expect(st.replays.requests - base.replays.requests).toBe(1)
  expect(st.replays.events - base.replays.events).toBe(3)
  expect(st.event_log.appended).toBeGreaterThanOrEqual(7)
  expect(st.drops).toEqual({ backpressure_closes: 0, rate_limited: 0, invalid: 0 })

  const m = await metrics()
  expect(m.get('cchub_ws_connections')).toBe(4)
  expect(m.get('cchub_ws_connections_authenticated')).toBe(3)
  expect(m.get(`cchub_ws_connections_per_user{user="${h.adminId}"}`)).toBe(2)
  expect(m.get(`cchub_ws_connections_per_user{user="${bob.id}"}`)).toBe(1)
  expect(m.get(`cchub_ws_subscriptions{channel="${ch}"}`)).toBe(2)
  expect(m.get('cchub_ws_subscriptions{channel="system"}')).toBe(2)
  expect(m.get('cchub_ws_messages_in_total')).toBe(st.messages.in)
  expect(m.get('cchub_ws_messages_out_total')).toBe(st.messages.out)
  expect(m.get('cchub_ws_replays_total')).toBe(st.replays.requests)
  expect(m.get('cchub_ws_replayed_events_total')).toBe(st.replays.events)
  expect(m.get('cchub_ws_drops_total{reason="backpressure_close"}')).toBe(0)

  // invalid and rate-limited frames are counted as drops
  anon.send('not json')
  await anon.next((m) => m.type === 'error')
  expect((await stats(h)).drops.invalid).toBe(1)

  // closes and unsubscribes bring the gauges down
  await a1.request({ type: 'unsubscribe', channel: 'system' })
  await a2.close()
  await anon.close()
  await waitFor(() => h.s.services.gateway.connections.size === 2, 2000, 'closes to be processed')
  const after = await stats(h)
  expect(after.connections).toEqual({ total: 2, authenticated: 2, per_user: { [h.adminId]: 1, [bob.id]: 1 } })
  expect(after.subscriptions).toEqual({ [ch]: 1, system: 1 })
  const m2 = await metrics()
  expect(m2.get(`cchub_ws_connections_per_user{user="${h.adminId}"}`)).toBe(1)
  expect(m2.get('cchub_ws_subscriptions{channel="system"}')).toBe(1)

  await a1.close()
  await b.close()
  await waitFor(() => h.s.services.gateway.connections.size === 0, 2000, 'all closed')
  const none = await stats(h)
  expect(none.connections).toEqual({ total: 0, authenticated: 0, per_user: {} })
  expect(none.subscriptions).toEqual({})
  expect([...(await metrics()).keys()].some((k) => k.startsWith('cchub_ws_subscriptions{'))).toBe(false)
})
