// Request/reply: exactly one reply per id; malformed frames get an error, repeated abuse closes 1008, oversize 1009.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { WsMsg } from '../support/ws-client.ts'
import { startHub, stopHub, wsUrl, type Hub } from './helpers.ts'

// A reply is a success, pong or error {code, message}; after a malformed frame the socket stays up; oversize means
// above wsMaxMessageBytes.

setDefaultTimeout(15_000) // servers, argon2 logins and real sockets: generous under a loaded CI

let h: Hub
beforeAll(async () => {
  // generous rate limits: these tests are about validation, not throttling
  h = await startHub({ wsRateLimit: 1000, wsRateBurst: 1000, wsMaxMessageBytes: 4096 })
}, 20_000)
afterEach(() => h.pool.closeAll())
afterAll(() => stopHub(h), 20_000)

const isError = (m: WsMsg, code?: string) => {
  expect(m.type).toBe('error')
  expect(typeof m.data.code).toBe('string')
  expect(typeof m.data.message).toBe('string')
  expect(m.data.message.length).toBeGreaterThan(0)
  if (code) expect(m.data.code).toBe(code)
}

describe('one reply per request id', () => {
  test('a burst of mixed requests gets exactly one reply each, with the same id', async () => {
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    const requests: Record<string, unknown>[] = [
      { id: 'ping-1', type: 'ping', data: { timestamp: 42 } },
      { id: 'sub-ok', type: 'subscribe', channel: `user:${h.adminId}` },
      { id: 'sub-again', type: 'subscribe', channel: `user:${h.adminId}` },
      { id: 'sub-system', type: 'subscribe', data: { channel: 'system' } },
      { id: 'sub-forbidden', type: 'subscribe', channel: 'user:someone-else' },
      { id: 'sub-bad-name', type: 'subscribe', channel: 'nope:1' },
      { id: 'sub-no-channel', type: 'subscribe' },
      { id: 'unknown', type: 'frobnicate', data: {} },
      { id: 'bad-since', type: 'subscribe', channel: 'system', data: { since: -3 } },
      { id: 'unsub', type: 'unsubscribe', channel: 'system' },
      { id: 'unsub-not', type: 'unsubscribe', channel: 'broadcast' },
      { id: 7, type: 'ping' },
    ]
    for (const r of requests) c.send(r)
    const replies = await Promise.all(requests.map((r) => c.next((m) => m.id === r.id)))
    // marker: replies go out in order, so a second reply to any of them would have come before this one
    expect((await c.request({ type: 'ping', id: 'marker' })).type).toBe('pong')
    for (const r of requests) expect(c.messages.filter((m) => m.id === r.id).length).toBe(1)
    const byId = Object.fromEntries(replies.map((m) => [String(m.id), m]))
    expect(byId['ping-1']!.type).toBe('pong')
    expect(byId['ping-1']!.data.timestamp).toBe(42)
    expect(byId['7']!.type).toBe('pong')
    expect(byId['sub-ok']!.type).toBe('success')
    expect(byId['sub-ok']!.data).toMatchObject({ action: 'subscribe', channel: `user:${h.adminId}` })
    expect(byId['sub-again']!.data).toMatchObject({ already_subscribed: true })
    expect(byId['sub-system']!.data).toMatchObject({ action: 'subscribe', channel: 'system' })
    isError(byId['sub-forbidden']!, 'FORBIDDEN')
    isError(byId['sub-bad-name']!, 'VALIDATION_FAILED')
    isError(byId['sub-no-channel']!, 'VALIDATION_FAILED')
    isError(byId['unknown']!, 'UNKNOWN_MESSAGE_TYPE')
    isError(byId['bad-since']!, 'VALIDATION_FAILED')
    expect(byId['unsub']!.data).toEqual({ action: 'unsubscribe', channel: 'system', was_subscribed: true })
    expect(byId['unsub-not']!.data).toEqual({ action: 'unsubscribe', channel: 'broadcast', was_subscribed: false })
    for (const m of replies) expect(new Date(m.timestamp!).toISOString()).toBe(m.timestamp!)
  })

  test('replies come in request order on one connection', async () => {
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    await c.next((m) => m.type === 'connected')
    const ids = Array.from({ length: 30 }, (_, i) => `o${i}`)
    for (const [i, id] of ids.entries())
      c.send(
        i % 3 === 0
          ? { id, type: 'nope' }
          : i % 3 === 1
            ? { id, type: 'ping' }
            : { id, type: 'subscribe', channel: 'system' },
      )
    await c.until(() => c.messages.filter((m) => m.id !== undefined).length >= ids.length)
    expect(c.messages.filter((m) => m.id !== undefined).map((m) => m.id)).toEqual(ids)
  })
})

describe('malformed frames: error reply, connection stays up', () => {
  const bad: [string, string | Uint8Array, string][] = [
    ['invalid JSON', '{"type": "ping",', 'INVALID_JSON'],
    ['plain text', 'hello', 'INVALID_JSON'],
    ['a JSON array', '[1,2,3]', 'INVALID_JSON'],
    ['a JSON number', '42', 'INVALID_JSON'],
    ['a JSON string', '"ping"', 'INVALID_JSON'],
    ['binary frame', new Uint8Array([1, 2, 3]), 'INVALID_JSON'],
    ['no type', '{"data":{}}', 'VALIDATION_FAILED'],
    ['type not a string', '{"type":5}', 'VALIDATION_FAILED'],
    ['empty type', '{"type":""}', 'VALIDATION_FAILED'],
    ['unknown type', '{"type":"launch_missiles"}', 'UNKNOWN_MESSAGE_TYPE'],
    ['channel not a string', '{"type":"subscribe","channel":42}', 'VALIDATION_FAILED'],
    ['since not an integer', '{"type":"subscribe","channel":"system","data":{"since":"x"}}', 'VALIDATION_FAILED'],
    ['data of the wrong type', '{"type":"auth","data":"token"}', 'VALIDATION_FAILED'],
  ]
  for (const [name, frame, code] of bad) {
    test(name, async () => {
      const c = await h.pool.connect(wsUrl(h.s, h.admin))
      await c.next((m) => m.type === 'connected')
      c.send(frame)
      isError(await c.next((m) => m.type === 'error'), code)
      expect((await c.request({ type: 'ping' })).type).toBe('pong')
      expect(c.isClosed).toBe(false)
    })
  }

  test('an invalid message that carries an id gets its error under that id', async () => {
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    const r = await c.request({ type: 'subscribe', channel: 12, id: 'x1' })
    isError(r, 'VALIDATION_FAILED')
    expect(r.id).toBe('x1')
  })

  test('more than 20 invalid messages within a minute close the socket with 1008', async () => {
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    await c.next((m) => m.type === 'connected')
    for (let i = 0; i < 20; i++) c.send(i % 2 ? 'garbage' : { type: 'bogus', id: `b${i}` })
    await c.until(() => c.messages.filter((m) => m.type === 'error').length === 20)
    expect((await c.request({ type: 'ping' })).type).toBe('pong') // 20 is tolerated
    c.send('one too many')
    const closed = await c.closed
    expect(closed.code).toBe(1008)
    expect(closed.reason).toMatch(/invalid/)
  })

  test('valid requests that fail (FORBIDDEN) are not counted as abuse', async () => {
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    await c.next((m) => m.type === 'connected')
    for (let i = 0; i < 30; i++) c.send({ type: 'subscribe', id: `f${i}`, channel: 'user:not-me' })
    await c.until(() => c.messages.filter((m) => m.type === 'error').length === 30)
    expect(c.messages.filter((m) => m.type === 'error').every((m) => m.data.code === 'FORBIDDEN')).toBe(true)
    expect((await c.request({ type: 'ping' })).type).toBe('pong')
  })
})

describe('frame size', () => {
  test('a frame above wsMaxMessageBytes closes with 1009; one at the limit is fine', async () => {
    const c = await h.pool.connect(wsUrl(h.s, h.admin))
    await c.next((m) => m.type === 'connected')
    const atLimit = JSON.stringify({ type: 'ping', id: 'big', data: { timestamp: 1 }, pad: '' })
    const fits = atLimit.replace('"pad":""', `"pad":"${'a'.repeat(4096 - atLimit.length)}"`)
    expect(fits.length).toBe(4096)
    c.send(fits)
    expect((await c.next((m) => m.id === 'big')).type).toBe('pong')
    c.send({ type: 'ping', id: 'too-big', pad: 'x'.repeat(5000) })
    const closed = await c.closed
    expect(closed.code).toBe(1009)
    expect(c.messages.some((m) => m.id === 'too-big')).toBe(false)
  })

  test('the oversize close only hits that socket', async () => {
    const a = await h.pool.connect(wsUrl(h.s, h.admin))
    const b = await h.pool.connect(wsUrl(h.s, h.admin))
    await a.next((m) => m.type === 'connected')
    a.send('x'.repeat(10_000))
    expect((await a.closed).code).toBe(1009)
    expect((await b.request({ type: 'ping' })).type).toBe('pong')
  })
})
