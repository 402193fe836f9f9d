// Protocol pings every wsPingInterval; an answering socket stays up, one silent past wsIdleTimeout is closed with 4008.
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import type { Connection } from '../../src/modules/realtime/connection.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { RawWsClient } from '../support/raw-ws.ts'
import { waitFor } from '../support/ws-client.ts'
import { startHub, stopHub, wsUrl, type Hub } from './helpers.ts'

// Any real client answers. The heartbeat runs on a manual clock: the test moves time, it never waits.

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

const PING = 20_000
const IDLE = 60_000
const clock = new ManualClock()
let h: Hub
let raws: RawWsClient[] = []
beforeAll(async () => {
  // long enough that Bun's own idle timeout (whole seconds, real time) never plays a part; the auth timeout (on the
  // same clock) is out of the way so an unauthenticated socket can be watched through many heartbeats
  h = await startHub({ wsPingInterval: PING / 1000, wsIdleTimeout: IDLE / 1000, wsAuthTimeout: 3600 }, { clock })
}, 20_000)
afterEach(async () => {
  for (const r of raws) r.destroy()
  raws = []
  await h.pool.closeAll()
  await waitFor(() => h.s.services.gateway.connections.size === 0, 2000, 'sockets of the previous test to be gone')
}, 20_000)
afterAll(() => stopHub(h), 20_000)

const conns = () => [...h.s.services.gateway.connections.values()]
const newest = (): Connection => conns().at(-1)!

/** One heartbeat: time moves by a ping interval, then waits until every socket still open has answered its ping. */
async function beat(expectAnswers: Connection[]): Promise<void> {
  clock.advance(PING)
  const now = clock.now()
  await waitFor(() => expectAnswers.every((c) => c.closed || c.lastSeen === now), 3000, 'pongs of this heartbeat')
}

test('a WebSocket client that answers pings stays connected well past the idle timeout', async () => {
  const c = await h.pool.connect(wsUrl(h.s, h.admin))
  expect((await c.next()).data.heartbeat_interval_s).toBe(PING / 1000)
  const anon = await h.pool.connect(wsUrl(h.s)) // unauthenticated sockets get pinged too
  await anon.next()
  const both = conns()
  expect(both).toHaveLength(2)
  for (let i = 0; i < (IDLE / PING) * 3; i++) await beat(both)
  expect(both.every((x) => !x.closed)).toBe(true)
  expect(c.isClosed).toBe(false)
  expect((await c.request({ type: 'ping' })).type).toBe('pong')
})

test('a raw client that answers pings stays; it saw one ping per interval', async () => {
  const raw = await RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`, { answerPings: true })
  raws.push(raw)
  await raw.waitFor((m) => m.type === 'connected')
  const conn = newest()
  for (let i = 0; i < 5; i++) await beat([conn])
  expect(raw.pings).toBe(5)
  expect(raw.ended).toBe(false)
  expect(raw.closeCode).toBeNull()
})

test('a client that never answers pings (and sends nothing) is closed with 4008 idle timeout, not before', async () => {
  const raw = await RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`, { answerPings: false })
  raws.push(raw)
  await raw.waitFor((m) => m.type === 'connected')
  const conn = newest()
  // three heartbeats; silent for exactly the idle timeout: still open (the close is decided in advance())
  clock.advance(IDLE)
  expect(conn.closed).toBe(false)
  clock.advance(PING) // the next heartbeat finds it silent for longer
  expect(conn.closed).toBe(true)
  expect(await raw.waitEnded(3000)).toBe(true)
  expect(raw.pings).toBe(IDLE / PING)
  expect(raw.closeCode).toBe(4008)
  expect(raw.closeReason).toMatch(/idle/)
  await waitFor(() => h.s.services.gateway.connections.size === 0, 3000, 'the connection to be dropped')
})

test('a client that sends messages but ignores pings is not idle', async () => {
  const raw = await RawWsClient.connect(h.s.port, `/ws?token=${h.admin}`, { answerPings: false })
  raws.push(raw)
  const conn = newest()
  for (let i = 0; i < 8; i++) {
    raw.send({ type: 'ping', id: i })
    await raw.waitFor((m) => m.type === 'pong' && m.id === i)
    clock.advance(PING)
  }
  expect(conn.closed).toBe(false)
  expect(raw.ended).toBe(false)
  expect(raw.messages.filter((m) => m.type === 'pong').length).toBe(8)
})
