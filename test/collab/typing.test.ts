// Typing and cursors: relayed live to the others only, never stored, typing rate-limited and expiring by itself.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { SETUP_TIMEOUT, join, json, newSession, seen, sock, startRoom, stopRoom, type Room } from './helpers.ts'

let r: Room
beforeAll(async () => {
  r = await startRoom()
}, SETUP_TIMEOUT)
afterEach(() => r.pool.closeAll())
afterAll(() => stopRoom(r))

async function room3() {
  const sid = await newSession(r, { bob: 'collaborator', carol: 'viewer' })
  const [a, b, c] = [await sock(r, 'alice'), await sock(r, 'bob'), await sock(r, 'carol')]
  for (const x of [a, b, c]) await join(x, sid)
  return { sid, a, b, c }
}

describe('typing', () => {
  test('relayed to the other sockets, not the sender; not in the history', async () => {
    const { sid, a, b, c } = await room3()
    b.send({ type: 'typing', session_id: sid, data: { state: 'start' } })
    const [ta, tc] = await Promise.all([a.next((m) => m.type === 'typing'), c.next((m) => m.type === 'typing')])
    for (const t of [ta, tc]) {
      expect(t.channel).toBe(`session:${sid}`)
      expect(t.seq).toBeUndefined()
      expect(t.data).toEqual({ session_id: sid, user_id: r.u.bob.id, username: 'bob', state: 'start' })
    }
    // seed 004 form: channel + is_typing
    b.send({ type: 'typing', channel: `session:${sid}`, data: { is_typing: false } })
    expect((await a.next((m) => m.type === 'typing')).data.state).toBe('stop')
    // marker: a frame to b's socket sent after both relays; a typing echo to b would have come before it
    expect((await b.request({ type: 'ping' })).type).toBe('pong')
    expect(seen(b, 'typing')).toHaveLength(0)
    const logs = await json(await r.s.api(`/api/v1/claude/sessions/${sid}/logs`, { token: r.u.alice.token }))
    expect(logs.logs.filter((l: any) => l.type === 'typing')).toEqual([])
  })

  test('rate-limited per connection: repeats within 300 ms are dropped, a state change still goes through', async () => {
    const { sid, a, b } = await room3()
    const replies = []
    for (let i = 0; i < 5; i++)
      replies.push(await b.request({ type: 'typing', session_id: sid, data: { state: 'start' } }))
    expect(replies.map((x) => x.data.relayed)).toEqual([true, false, false, false, false])
    expect((await b.request({ type: 'typing', session_id: sid, data: { state: 'stop' } })).data.relayed).toBe(true)
    r.clock.advance(299)
    expect((await b.request({ type: 'typing', session_id: sid, data: { state: 'stop' } })).data.relayed).toBe(false)
    r.clock.advance(1)
    expect((await b.request({ type: 'typing', session_id: sid, data: { state: 'stop' } })).data.relayed).toBe(true)
    // marker: a live frame relayed to a after the typing ones, on the same channel
    b.send({ type: 'cursor_update', session_id: sid, data: { position: { line: 1, column: 1 } } })
    await a.next((m) => m.type === 'cursor_update')
    expect(seen(a, 'typing').map((m) => m.data.state)).toEqual(['start', 'stop', 'stop'])
  })

  test('a start without a refresh expires: the others get a stop by themselves', async () => {
    const ttl = r.s.services.collab.timing.typingTtlMs
    const { sid, a, b, c } = await room3()
    expect((await b.request({ type: 'typing', session_id: sid, data: { state: 'start' } })).data.relayed).toBe(true)
    await a.next((m) => m.type === 'typing' && m.data.state === 'start')
    r.clock.advance(ttl - 1)
    // marker: a live frame after the moment a too-early stop would have been sent
    const marker = () => b.send({ type: 'cursor_update', session_id: sid, data: { position: { line: 1, column: 1 } } })
    marker()
    await a.next((m) => m.type === 'cursor_update')
    expect(seen(a, 'typing').filter((m) => m.data.state === 'stop')).toHaveLength(0)
    r.clock.advance(1)
    const stop = await a.next((m) => m.type === 'typing' && m.data.state === 'stop')
    expect(stop.data).toMatchObject({ user_id: r.u.bob.id, state: 'stop', expired: true })
    expect((await c.next((m) => m.type === 'typing' && m.data.state === 'stop')).data.expired).toBe(true)

    // a refresh pushes the expiry back: started at T, refreshed at T + 0.8 ttl, still on at T + 1.5 ttl
    r.clock.advance(1000) // past the rate limit of repeated starts
    expect((await b.request({ type: 'typing', session_id: sid, data: { state: 'start' } })).data.relayed).toBe(true)
    r.clock.advance(ttl * 0.8)
    expect((await b.request({ type: 'typing', session_id: sid, data: { state: 'start' } })).data.relayed).toBe(true)
    r.clock.advance(ttl * 0.7)
    marker()
    await a.next((m) => m.type === 'cursor_update')
    expect(seen(a, 'typing').filter((m) => m.data.state === 'stop')).toHaveLength(1)
    r.clock.advance(ttl * 0.3)
    await a.next((m) => m.type === 'typing' && m.data.state === 'stop' && m !== stop)
  })

  test('viewers cannot type; sockets that have not joined cannot type', async () => {
    const { sid, c } = await room3()
    expect((await c.request({ type: 'typing', session_id: sid, data: { state: 'start' } })).data.code).toBe('FORBIDDEN')
    const b2 = await sock(r, 'bob')
    expect((await b2.request({ type: 'typing', session_id: sid, data: { state: 'start' } })).data.code).toBe(
      'NOT_JOINED',
    )
    expect((await b2.request({ type: 'typing', data: { state: 'start' } })).data.code).toBe('VALIDATION_FAILED')
  })
})

describe('cursors', () => {
  test('cursor_update is relayed to the others (viewers too), live only', async () => {
    const { sid, a, b, c } = await room3()
    c.send({ type: 'cursor_update', session_id: sid, data: { position: { line: 3, column: 7 } } })
    const got = await a.next((m) => m.type === 'cursor_update')
    expect(got.seq).toBeUndefined()
    expect(got.data).toEqual({
      session_id: sid,
      user_id: r.u.carol.id,
      username: 'carol',
      position: { line: 3, column: 7 },
    })
    b.send({ type: 'cursor_update', session_id: sid, data: { selection: { start: 2, end: 9 } } })
    expect((await c.next((m) => m.type === 'cursor_update')).data.selection).toEqual({ start: 2, end: 9 })
    // marker: c's frames are handled in order, so an echo of its own cursor_update would have come before this pong
    expect((await c.request({ type: 'ping' })).type).toBe('pong')
    expect(seen(c, 'cursor_update')).toHaveLength(1)
    expect((await a.request({ type: 'cursor_update', session_id: sid, data: {} })).data.code).toBe('VALIDATION_FAILED')
    const logs = await json(await r.s.api(`/api/v1/claude/sessions/${sid}/logs`, { token: r.u.alice.token }))
    expect(logs.logs.filter((l: any) => l.type === 'cursor_update')).toEqual([])
  })
})
