// The dialect seam: selection by first frame and by subprotocol, translation both ways, replay and live fan-out.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Dialect } from '../../src/modules/realtime/dialect.ts'
import { waitFor } from '../support/wait.ts'
import { startHub, stopHub, wsUrl, type Hub } from './helpers.ts'

/**
 * A made-up dialect for the seam alone: `{op, ref?, body?}` in, `{kind, ref?, seq?, body}` out. It claims sockets whose
 * first frame has `op`, or that offer the `cchub.shout` subprotocol.
 */
const shout: Dialect = {
  name: 'shout',
  claimsFirstFrame: (f) => !!f && typeof f === 'object' && 'op' in f,
  open(io) {
    return {
      inbound(frame) {
        const f = frame as { op?: string; ref?: string; body?: Record<string, unknown> }
        if (typeof f.op !== 'string') {
          io.write(JSON.stringify({ kind: 'ERR', body: 'op required' }))
          return
        }
        io.dispatch({ type: f.op, id: f.ref, data: f.body })
      },
      outbound(env) {
        return io.write(JSON.stringify({ kind: env.type.toUpperCase(), ref: env.id, seq: env.seq, body: env.data }))
      },
    }
  },
}

let h: Hub
let channel: string

beforeAll(async () => {
  h = await startHub()
  h.s.services.realtime.dialects.use(shout)
  const res = await h.s.api('/api/v1/workspaces', { token: h.admin, body: { name: 'dialect-ws' } })
  channel = `workspace:${((await res.json()) as { id: string }).id}`
})
afterAll(() => stopHub(h))

async function shoutClient(protocols?: string[]) {
  const ws = new WebSocket(wsUrl(h.s, h.admin), protocols)
  const got: any[] = []
  ws.addEventListener('message', (e) => got.push(JSON.parse(String(e.data))))
  await new Promise((r, j) => {
    ws.addEventListener('open', r)
    ws.addEventListener('error', j)
  })
  const next = async (pred: (m: any) => boolean) => {
    await waitFor(
      () => got.some(pred),
      3000,
      () => `a matching frame (got ${JSON.stringify(got)})`,
    )
    return got.find(pred)
  }
  return { ws, got, next }
}

describe('dialects', () => {
  test('a first frame a dialect claims switches the socket to it; replies, replay and live messages are translated', async () => {
    await h.s.services.log.emit(channel, 'note', { n: 1 })
    const c = await shoutClient()
    c.ws.send(JSON.stringify({ op: 'ping', ref: 'p1', body: { timestamp: 5 } }))
    expect((await c.next((m) => m.kind === 'PONG')).ref).toBe('p1')
    c.ws.send(JSON.stringify({ op: 'subscribe', ref: 's1', body: { channel, since: 0 } }))
    const replayed = await c.next((m) => m.kind === 'NOTE')
    expect(replayed.body).toEqual({ n: 1 })
    expect((await c.next((m) => m.kind === 'SUCCESS' && m.ref === 's1')).body.action).toBe('subscribe')
    await h.s.services.log.emit(channel, 'note', { n: 2 })
    const live = await c.next((m) => m.kind === 'NOTE' && m.body.n === 2)
    expect(live.seq).toBe(replayed.seq + 1)
    c.ws.send(JSON.stringify({ nope: true }))
    expect(await c.next((m) => m.kind === 'ERR')).toBeDefined()
    c.ws.close()
  })

  test("cchub's own clients are untouched, side by side with a dialect socket on the same channel", async () => {
    const d = await shoutClient()
    d.ws.send(JSON.stringify({ op: 'subscribe', ref: 's', body: { channel } }))
    await d.next((m) => m.kind === 'SUCCESS')
    const native = await h.pool.connect(wsUrl(h.s, h.admin))
    await native.subscribe(channel)
    await h.s.services.log.emit(channel, 'note', { n: 3 })
    const m = await native.next((x) => x.type === 'note')
    expect(m.data).toEqual({ n: 3 })
    expect(await d.next((x) => x.kind === 'NOTE' && x.body.n === 3)).toBeDefined()
    d.ws.close()
  })

  test('a client picks a dialect by offering cchub.<name> as subprotocol, and the server answers with it', async () => {
    const c = await shoutClient(['cchub.shout'])
    expect(c.ws.protocol).toBe('cchub.shout')
    expect(await c.next((m) => m.kind === 'CONNECTED')).toBeDefined()
    c.ws.close()
  })
})
