// Reconnect storm: ~100 clients of a durable channel drop and resume with `since`; each gets every seq once, in order.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { ResumingClient, startServerChild, type Target } from './helpers.ts'
import { expectSeqs } from '../support/seqs.ts'
import { waitFor } from '../support/wait.ts'

// Drops are TCP resets or clean closes, at random while a publisher keeps going. The server runs as its own process
// (bench/server-child.ts); the load is this test process.

const CLIENTS = 100
const EVENTS = 1500

let t: Target
let channel: string
beforeAll(async () => {
  t = await startServerChild()
  const { session_ids } = await t.child.request('setup', { sessions: 1 })
  channel = `session:${session_ids[0]}`
}, 30_000)
afterAll(async () => {
  await t?.stop()
})

test(`${CLIENTS} clients dropped and resumed at random while ${EVENTS} events are published: each gets every seq exactly once, in order`, async () => {
  const clients = Array.from({ length: CLIENTS }, () => new ResumingClient(t, channel))
  await Promise.all(clients.map((c) => c.connect()))

  // the publisher: three durable events every 2 ms through the real path (log.emit → store → bus → topic)
  await t.child.request('startStream', { name: 'storm', channel, count: EVENTS, everyMs: 2, perTick: 3 })
  let drops = 0
  const reconnecting = new Set<Promise<void>>()
  const deadline = Date.now() + 20_000
  let published = 0
  while (Date.now() < deadline) {
    published = t.child.events.filter((e) => e.stream === 'storm').length
    if (published >= EVENTS) break
    for (let k = 0; k < 5; k++) {
      const c = clients[Math.floor(Math.random() * CLIENTS)]!
      if (!c.live) continue
      c.drop()
      drops++
      const p = (async () => {
        // random pacing of the storm (its subject): clients come back at scattered times
        await Bun.sleep(Math.random() * 100)
        for (let attempt = 0; ; attempt++) {
          try {
            return await c.connect()
          } catch (err) {
            if (attempt >= 5) throw err
            await Bun.sleep(50) // retry backoff of a refused reconnect, as a real client would
          }
        }
      })()
      reconnecting.add(p)
      void p.finally(() => reconnecting.delete(p))
    }
    await Bun.sleep(20) // the storm's cadence (its subject): five drops every 20 ms while the publisher runs
  }
  await t.child.request('stopStream', { name: 'storm' })
  await Promise.all(reconnecting)
  const head = Math.max(...t.child.events.filter((e) => e.stream === 'storm').map((e) => e.acked as number))
  expect(head).toBe(EVENTS)
  expect(drops).toBeGreaterThan(100)

  await waitFor(() => clients.every((c) => c.last >= head), 15_000, 'every client to catch up')
  for (const [i, c] of clients.entries())
    expectSeqs(c.seqs, 0, { through: head, what: `client ${i} (${c.connects} connections)` })
  for (const c of clients) c.ws?.close()
}, 60_000)
