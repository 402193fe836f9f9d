// Protocol pings every wsPingInterval; a socket that answers (any real client does) stays up, one silent for longer
// than wsIdleTimeout is closed with 4008.
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { RawWsClient } from '../support/raw-ws.ts'
import { waitFor } from '../support/ws-client.ts'
import { startHub, stopHub, wsUrl, type Hub } from './helpers.ts'

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

let h: Hub
let raws: RawWsClient[] = []
beforeAll(async () => {
  h = await startHub({ wsPingInterval: 0.2, wsIdleTimeout: 0.6 })
}, 20_000)
afterEach(async () => {
  for (const r of raws) r.destroy()
  raws = []
  await h.pool.closeAll()
  await waitFor(() => h.s.services.gateway.connections.size === 0, 2000, 'sockets of the previous test to be gone')
}, 20_000)
afterAll(() => stopHub(h), 20_000)

test('a WebSocket client that answers pings stays connected well past the idle timeout', async () => {
  const c = await h.pool.connect(wsUrl(h.s, h.admin))
  const anon = await h.pool.connect(wsUrl(h.s)) // unauthenticated sockets get pinged too (auth timeout is 10 s here)
  expect((await c.next()).data.heartbeat_interval_s).toBe(0.2)
  await Bun.sleep(1600)
  expect(c.isClosed).toBe(false)
  expect(anon.isClosed).toBe(false)
  expect((await c.request({ type: 'ping' })).type).toBe('pong')
})

test('a raw client that answers pings stays; it saw several pings', async () => {
  const raw = await RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`, { answerPings: true })
  raws.push(raw)
  expect(await raw.waitEnded(1600)).toBe(false)
  expect(raw.pings).toBeGreaterThanOrEqual(4)
  expect(raw.closeCode).toBeNull()
})

test('a client that never answers pings (and sends nothing) is closed with 4008 idle timeout', async () => {
  const raw = await RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`, { answerPings: false })
  raws.push(raw)
  const t0 = Date.now()
  expect(await raw.waitEnded(3000)).toBe(true)
  expect(raw.pings).toBeGreaterThanOrEqual(1)
  expect(raw.closeCode).toBe(4008)
  expect(raw.closeReason).toMatch(/idle/)
  const took = Date.now() - t0
  expect(took).toBeGreaterThanOrEqual(550)
  expect(took).toBeLessThan(2000)
  expect(h.s.services.gateway.connections.size).toBe(0)
})

test('a client that sends messages but ignores pings is not idle', async () => {
  const raw = await RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`, { answerPings: false })
  raws.push(raw)
  for (let i = 0; i < 8; i++) {
    raw.send({ type: 'ping', id: i })
    await Bun.sleep(200)
  }
  expect(raw.ended).toBe(false)
  expect(raw.messages.filter((m) => m.type === 'pong').length).toBe(8)
})
