// Typing and cursors: relayed live to the others only, never stored, typing rate-limited and expiring by itself.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { SETUP_TIMEOUT, join, json, newSession, seen, sock, startRoom, stopRoom, type Room } from './helpers.ts'

let r: Room
beforeAll(async () => {
  r = await startRoom()
}, SETUP_TIMEOUT)
afterEach(async () => {
  await r.pool.closeAll()
  r.s.services.collab.timing.typingTtlMs = 5000
})
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
    await Bun.sleep(50)
    expect(seen(b, 'typing')).toHaveLength(0)
    const logs = await json(await r.s.api(`/api/v1/claude/sessions/${sid}/logs`, { token: r.u.alice.token }))
    expect(logs.logs.filter((l: any) => l.type === 'typing')).toEqual([])
  })

  test('rate-limited per connection: repeats within 300 ms are dropped, a state change still goes through', async () => {
    const { sid, a, b } = await room3()
    const replies = []
    for (let i = 0; i < 5; i++) replies.push(await b.request({ type: 'typing', session_id: sid, data: { state: 'start' } }))
    expect(replies.map((x) => x.data.relayed)).toEqual([true, false, false, false, false])
    expect((await b.request({ type: 'typing', session_id: sid, data: { state: 'stop' } })).data.relayed).toBe(true)
    await Bun.sleep(320)
    expect((await b.request({ type: 'typing', session_id: sid, data: { state: 'stop' } })).data.relayed).toBe(true)
    await Bun.sleep(50)
    expect(seen(a, 'typing').map((m) => m.data.state)).toEqual(['start', 'stop', 'stop'])
  })

  test('a start without a refresh expires: the others get a stop by themselves', async () => {
    r.s.services.collab.timing.typingTtlMs = 400
    const { sid, a, b, c } = await room3()
    const t0 = Date.now()
    b.send({ type: 'typing', session_id: sid, data: { state: 'start' } })
    await a.next((m) => m.type === 'typing' && m.data.state === 'start')
    const stop = await a.next((m) => m.type === 'typing' && m.data.state === 'stop', 2000)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380)
    expect(stop.data).toMatchObject({ user_id: r.u.bob.id, state: 'stop', expired: true })
    expect((await c.next((m) => m.type === 'typing' && m.data.state === 'stop')).data.expired).toBe(true)

    // a refresh pushes the expiry back
    b.send({ type: 'typing', session_id: sid, data: { state: 'start' } })
    await Bun.sleep(320)
    b.send({ type: 'typing', session_id: sid, data: { state: 'start' } })
    await Bun.sleep(200)
    expect(seen(a, 'typing').filter((m) => m.data.state === 'stop')).toHaveLength(1)
    await a.next((m) => m.type === 'typing' && m.data.state === 'stop' && m !== stop, 2000)
  })

  test('viewers cannot type; sockets that have not joined cannot type', async () => {
    const { sid, c } = await room3()
    expect((await c.request({ type: 'typing', session_id: sid, data: { state: 'start' } })).data.code).toBe('FORBIDDEN')
    const b2 = await sock(r, 'bob')
    expect((await b2.request({ type: 'typing', session_id: sid, data: { state: 'start' } })).data.code).toBe('NOT_JOINED')
    expect((await b2.request({ type: 'typing', data: { state: 'start' } })).data.code).toBe('VALIDATION_FAILED')
  })
})

describe('cursors', () => {
  test('cursor_update is relayed to the others (viewers too), live only', async () => {
    const { sid, a, b, c } = await room3()
    c.send({ type: 'cursor_update', session_id: sid, data: { position: { line: 3, column: 7 } } })
    const got = await a.next((m) => m.type === 'cursor_update')
    expect(got.seq).toBeUndefined()
    expect(got.data).toEqual({ session_id: sid, user_id: r.u.carol.id, username: 'carol', position: { line: 3, column: 7 } })
    b.send({ type: 'cursor_update', session_id: sid, data: { selection: { start: 2, end: 9 } } })
    expect((await c.next((m) => m.type === 'cursor_update')).data.selection).toEqual({ start: 2, end: 9 })
    await Bun.sleep(50)
    expect(seen(c, 'cursor_update')).toHaveLength(1)
    expect((await a.request({ type: 'cursor_update', session_id: sid, data: {} })).data.code).toBe('VALIDATION_FAILED')
    const logs = await json(await r.s.api(`/api/v1/claude/sessions/${sid}/logs`, { token: r.u.alice.token }))
    expect(logs.logs.filter((l: any) => l.type === 'cursor_update')).toEqual([])
  })
})
