// Origin checks on upgrade: none/same origin pass, other sites get 403 ORIGIN_NOT_ALLOWED unless in wsAllowedOrigins.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { RawWsClient } from '../support/raw-ws.ts'
import { waitFor } from '../support/ws-client.ts'
import { expectRefused, startHub, stopHub, tryUpgrade, wsUrl, type Hub } from './helpers.ts'

// Against cross-site WebSocket hijacking; a refused origin gets no upgrade.

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

const EVIL = 'http://evil.example'
const FRIEND = 'https://app.friend.example'

describe('default: same origin only', () => {
  let h: Hub
  let raw: RawWsClient | undefined
  beforeAll(async () => {
    h = await startHub()
  }, 20_000)
  afterEach(async () => {
    raw?.destroy()
    raw = undefined
    await h.pool.closeAll()
  }, 20_000)
  afterAll(() => stopHub(h), 20_000)

  test('no Origin header (non-browser client) is allowed', async () => {
    raw = await RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`)
    expect(raw.status).toBe(101)
    const connected = await raw.waitFor((m) => m.type === 'connected')
    expect(connected.data.authenticated).toBe(true)
  })

  test('same origin (http://<Host>) is allowed, with and without a token', async () => {
    const origin = `http://${new URL(h.s.url).host}`
    const c = await h.pool.connect(wsUrl(h.s, h.admin), { headers: { Origin: origin } })
    expect((await c.next((m) => m.type === 'connected')).data.authenticated).toBe(true)
    const anon = await h.pool.connect(wsUrl(h.s), { headers: { Origin: origin } })
    expect((await anon.next((m) => m.type === 'connected')).data.authenticated).toBe(false)
  })

  test('another site is refused with 403 ORIGIN_NOT_ALLOWED and no upgrade, token or not', async () => {
    await expectRefused(await tryUpgrade(h.s, `/ws?token=${h.admin}`, { origin: EVIL }), 403, 'ORIGIN_NOT_ALLOWED')
    await expectRefused(await tryUpgrade(h.s, '/ws', { origin: EVIL }), 403, 'ORIGIN_NOT_ALLOWED')
    await expectRefused(await tryUpgrade(h.s, '/ws/executions/abc', { origin: EVIL }), 403, 'ORIGIN_NOT_ALLOWED')
    for (const url of [wsUrl(h.s, h.admin), wsUrl(h.s)]) {
      const c = h.pool.open(url, { headers: { Origin: EVIL } })
      await expect(c.opened).rejects.toThrow()
      expect(c.isOpen).toBe(false)
    }
    await waitFor(() => h.s.services.gateway.connections.size === 0, 2000, 'no open connections')
  })

  test('look-alike origins are refused (prefix/suffix of the host, other port, null)', async () => {
    const host = new URL(h.s.url).host
    for (const origin of [
      `http://${host}.evil.example`,
      `http://evil.example/${host}`,
      `http://${new URL(h.s.url).hostname}:1`,
      'null',
      FRIEND,
    ]) {
      await expectRefused(await tryUpgrade(h.s, `/ws?token=${h.admin}`, { origin }), 403, 'ORIGIN_NOT_ALLOWED')
    }
  })

  test('a raw client sending a foreign Origin gets no 101', async () => {
    await expect(RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`, { headers: { Origin: EVIL } })).rejects.toThrow(
      /HTTP 403/,
    )
  })
})

describe('wsAllowedOrigins', () => {
  let h: Hub
  beforeAll(async () => {
    h = await startHub({ wsAllowedOrigins: [FRIEND] })
  }, 20_000)
  afterEach(() => h.pool.closeAll())
  afterAll(() => stopHub(h), 20_000)

  test('a listed origin may open a socket; others still may not', async () => {
    const c = await h.pool.connect(wsUrl(h.s, h.admin), { headers: { Origin: FRIEND } })
    expect((await c.next((m) => m.type === 'connected')).data.authenticated).toBe(true)
    await expectRefused(await tryUpgrade(h.s, `/ws?token=${h.admin}`, { origin: EVIL }), 403, 'ORIGIN_NOT_ALLOWED')
    const same = await h.pool.connect(wsUrl(h.s, h.admin), { headers: { Origin: `http://${new URL(h.s.url).host}` } })
    expect((await same.next((m) => m.type === 'connected')).type).toBe('connected')
  })
})
