// Presence: several clients and tabs are one presence each, session_state on join, dropped sockets leave after a grace.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { waitFor, type WsClient } from '../support/ws-client.ts'
import { SETUP_TIMEOUT, join, newSession, seen, sock, startRoom, stopRoom, type Room } from './helpers.ts'

let r: Room
beforeAll(async () => {
  r = await startRoom()
}, SETUP_TIMEOUT)
afterEach(() => r.pool.closeAll())
afterAll(() => stopRoom(r))

const terminate = (c: WsClient) => (c.ws as unknown as { terminate(): void }).terminate()
const GRACE = 600
/** Waits until the server has seen `n` sockets of the user in the session (a close is processed on its own time). */
const untilSockets = (sid: string, userId: string, n: number) =>
  waitFor(
    () => r.s.services.collab.presence.connections(sid, userId) === n,
    3000,
    `${n} sockets of ${userId} in ${sid}`,
  )

describe('presence', () => {
  test('grace period is the heartbeat timeout (2 × ping interval)', () => {
    expect(r.s.services.collab.timing.presenceGraceMs).toBe(GRACE)
  })

  test('joined/left once per user however many tabs; counts in session_state; explicit leave is immediate', async () => {
    const sid = await newSession(r, { bob: 'collaborator' })
    const a1 = await sock(r, 'alice')
    const { reply, state } = await join(a1, sid)
    expect(reply.data).toMatchObject({ action: 'session_join', session_id: sid, channel: `session:${sid}` })
    expect(state.your_role).toBe('owner')
    expect(state.participants).toEqual([{ user_id: r.u.alice.id, username: 'alice', role: 'owner', connections: 1 }])
    const aliceJoined = await a1.next((m) => m.type === 'participant_joined' && m.data.user_id === r.u.alice.id)
    expect(aliceJoined.seq).toBeUndefined() // live only: presence is not stored
    expect(aliceJoined.data).toMatchObject({ username: 'alice', role: 'owner', connections: 1 })

    const b = await sock(r, 'bob')
    const bobState = (await join(b, sid)).state
    expect(bobState.participants.map((p: any) => [p.username, p.connections]).sort()).toEqual([
      ['alice', 1],
      ['bob', 1],
    ])
    const bobJoined = await a1.next((m) => m.type === 'participant_joined' && m.data.user_id === r.u.bob.id)
    expect(bobJoined.data).toMatchObject({ username: 'bob', role: 'collaborator', connections: 1 })

    // a second and third tab of alice: no new participant_joined, counts go up
    const a2 = await sock(r, 'alice')
    const a3 = await sock(r, 'alice')
    expect((await join(a2, sid)).state.participants.find((p: any) => p.username === 'alice').connections).toBe(2)
    expect((await join(a3, sid)).state.participants.find((p: any) => p.username === 'alice').connections).toBe(3)
    const parts = (await (
      await r.s.api(`/api/v1/claude/sessions/${sid}/participants`, { token: r.u.bob.token })
    ).json()) as any
    expect(parts.participants.find((p: any) => p.username === 'alice')).toMatchObject({ online: true, connections: 3 })

    // tabs leave (one explicitly, one closes cleanly, one is killed): alice stays present while a1 remains
    expect((await a2.request({ type: 'leave_collaboration', session_id: sid })).data).toMatchObject({
      action: 'leave_collaboration',
      was_subscribed: true,
    })
    await a3.close()
    await untilSockets(sid, r.u.alice.id, 1)
    r.clock.advance(GRACE + 1) // a leave of alice would have fired by now
    expect(r.s.services.collab.presence.isPresent(sid, r.u.alice.id)).toBe(true)

    // explicit leave of bob's only socket: participant_left at once (the clock does not move: no grace involved).
    // It goes through the same per-session queue as any alice left would have, so it is also the marker for that.
    await b.request({ type: 'session_leave', session_id: sid })
    const left = await a1.next((m) => m.type === 'participant_left' && m.data.user_id === r.u.bob.id)
    expect(seen(b, 'participant_joined', r.u.alice.id)).toHaveLength(0) // alice joined before bob subscribed
    expect(seen(b, 'participant_left', r.u.alice.id)).toHaveLength(0)
    expect(seen(a1, 'participant_left', r.u.alice.id)).toHaveLength(0)
    expect(seen(a1, 'participant_joined', r.u.alice.id)).toHaveLength(1)
    expect(left.seq).toBeUndefined()
    expect(left.data).toMatchObject({ username: 'bob', role: 'collaborator', connections: 0, reason: 'left' })
  })

  test('a dropped connection leaves only after the grace period', async () => {
    const sid = await newSession(r, { bob: 'collaborator' })
    const a = await sock(r, 'alice')
    await join(a, sid)
    const b = await sock(r, 'bob')
    await join(b, sid)
    await a.next((m) => m.type === 'participant_joined' && m.data.user_id === r.u.bob.id)

    terminate(b)
    await untilSockets(sid, r.u.bob.id, 0)
    r.clock.advance(GRACE - 1)
    // the leave is decided in advance(), synchronously
    expect(r.s.services.collab.presence.isPresent(sid, r.u.bob.id)).toBe(true)
    r.clock.advance(1)
    expect(r.s.services.collab.presence.isPresent(sid, r.u.bob.id)).toBe(false)
    const left = await a.next((m) => m.type === 'participant_left' && m.data.user_id === r.u.bob.id)
    expect(left.data.reason).toBe('disconnected')
    expect(seen(a, 'participant_left', r.u.bob.id)).toHaveLength(1)
  })

  test('a reconnect within the grace period does not flap (no left, no second joined)', async () => {
    const sid = await newSession(r, { bob: 'collaborator' })
    const a = await sock(r, 'alice')
    await join(a, sid)
    const b1 = await sock(r, 'bob')
    await join(b1, sid)
    await a.next((m) => m.type === 'participant_joined' && m.data.user_id === r.u.bob.id)

    terminate(b1)
    await untilSockets(sid, r.u.bob.id, 0)
    r.clock.advance(GRACE / 4)
    const b2 = await sock(r, 'bob')
    const { state } = await join(b2, sid)
    expect(state.participants.find((p: any) => p.username === 'bob')).toMatchObject({
      connections: 1,
      role: 'collaborator',
    })
    r.clock.advance(GRACE * 2) // past the grace period of the dropped socket
    expect(r.s.services.collab.presence.isPresent(sid, r.u.bob.id)).toBe(true)

    // and when the reconnected socket finally goes, bob leaves (after the grace again): the one left a sees
    await b2.close()
    await untilSockets(sid, r.u.bob.id, 0)
    r.clock.advance(GRACE)
    expect((await a.next((m) => m.type === 'participant_left' && m.data.user_id === r.u.bob.id)).data.reason).toBe(
      'disconnected',
    )
    // presence frames of a session go out in order: a flap would have come before this left
    expect(seen(a, 'participant_left', r.u.bob.id)).toHaveLength(1)
    expect(seen(a, 'participant_joined', r.u.bob.id)).toHaveLength(1)
  })

  test('session_state: status, current execution, history with seq matching the hand-over, files, document', async () => {
    const sid = await newSession(r, { bob: 'collaborator', carol: 'viewer' })
    const a = await sock(r, 'alice')
    await join(a, sid)
    // three appends: 'let' + ' x' + ' = 1'
    for (const [version, at, text] of [
      [0, 0, 'let'],
      [1, 3, ' x'],
      [2, 5, ' = 1'],
    ] as const) {
      const edit = await a.request({
        type: 'code_change',
        session_id: sid,
        data: { version, edits: [{ start: at, end: at, text }], language: 'ts' },
      })
      expect(edit.type).toBe('success')
    }
    await a.next((m) => m.type === 'code_change' && m.data.version === 3)
    const ws = await r.s.services.store.workspaces.byId(r.wsId)
    await r.s.services.store.files.create({
      id: 'f-1',
      owner_id: r.u.bob.id,
      workspace_id: r.wsId,
      session_id: sid,
      name: 'notes.txt',
      path: `${ws!.path}/uploads/notes.txt`,
      size: 5,
      content_type: 'text/plain',
      sha256: 'ab'.repeat(32),
      created_at: Date.now(),
    })
    const c = await sock(r, 'carol')
    const { reply, state } = await join(c, sid)
    expect(state.status).toBe('active')
    expect(state.session).toMatchObject({ id: sid, owner_id: r.u.alice.id, role: 'viewer' })
    expect(state.your_role).toBe('viewer')
    expect(state.current_execution).toBeNull()
    expect(state.files).toEqual([
      expect.objectContaining({
        file_id: 'f-1',
        name: 'notes.txt',
        path: 'uploads/notes.txt',
        size: 5,
        owner_id: r.u.bob.id,
        session_id: sid,
      }),
    ])
    expect(state.document).toMatchObject({ version: 3, text: 'let x = 1', language: 'ts', updated_by: r.u.alice.id })
    // history ends at the state's seq, which is the subscribe hand-over seq: live frames continue at seq + 1
    expect(state.seq).toBe(reply.data.seq)
    expect(state.history.map((h: any) => [h.seq, h.type, h.data.version])).toEqual([
      [1, 'code_change', 1],
      [2, 'code_change', 2],
      [3, 'code_change', 3],
    ])
    expect(state.seq).toBe(3)
    await a.request({
      type: 'code_change',
      session_id: sid,
      data: { version: 3, edits: [{ start: 0, end: 0, text: '// ' }] },
    })
    expect((await c.next((m) => m.type === 'code_change')).seq).toBe(state.seq + 1)
    expect(state.history.some((h: any) => h.type.startsWith('participant_'))).toBe(false) // presence is not history

    // history is capped at historyLimit (the newest N): 50 more events push the edits out
    const limit = r.s.services.collab.timing.historyLimit
    for (let i = 0; i < limit; i++) await r.s.services.log.emit(`session:${sid}`, 'note', { i })
    const d = await sock(r, 'bob')
    const s2 = (await join(d, sid)).state
    expect(s2.history).toHaveLength(limit)
    expect(s2.history.map((h: any) => h.seq)).toEqual(Array.from({ length: limit }, (_, i) => s2.seq - limit + 1 + i))
    expect(s2.history[0].data.i).toBe(0)
  })

  test('joining again on the same socket re-sends session_state; outsiders cannot join', async () => {
    const sid = await newSession(r)
    const a = await sock(r, 'alice')
    await join(a, sid)
    const again = await join(a, sid)
    expect(again.reply.data.already_subscribed).toBe(true)
    expect(again.state.participants).toHaveLength(1)
    expect(seen(a, 'participant_joined')).toHaveLength(1)

    const d = await sock(r, 'dave')
    const refused = await d.request({ type: 'join_collaboration', data: { session_id: sid, user_id: r.u.alice.id } })
    expect(refused.type).toBe('error')
    expect(refused.data.code).toBe('FORBIDDEN')
  })
})
