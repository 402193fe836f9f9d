// Participants: invite, change role, hand over ownership, remove (REST and WebSocket); removal cuts the socket at once.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { SETUP_TIMEOUT, join, json, newSession, seen, sock, startRoom, stopRoom, type Room } from './helpers.ts'

let r: Room
beforeAll(async () => {
  r = await startRoom()
}, SETUP_TIMEOUT)
afterEach(() => r.pool.closeAll())
afterAll(() => stopRoom(r))

const P = (sid: string, user = '') => `/api/v1/claude/sessions/${sid}/participants${user ? `/${user}` : ''}`

describe('participants over REST', () => {
  test('invite by username (the web app has no user ids); neither user_id nor username is a 422', async () => {
    const sid = await newSession(r)
    const added = await r.s.api(P(sid), { token: r.u.alice.token, body: { username: 'carol', role: 'viewer' } })
    expect(added.status).toBe(201)
    expect(await json(added)).toMatchObject({ user_id: r.u.carol.id, username: 'carol', role: 'viewer' })
    expect((await r.s.api(P(sid), { token: r.u.alice.token, body: { username: 'nobody' } })).status).toBe(404)
    const none = await r.s.api(P(sid), { token: r.u.alice.token, body: { role: 'viewer' } })
    expect(none.status).toBe(422)
    expect((await json(none)).code).toBe('VALIDATION_FAILED')
  })

  test('invite, list, change role, remove; each change is published on the session channel', async () => {
    const sid = await newSession(r)
    const a = await sock(r, 'alice')
    await join(a, sid)

    const added = await r.s.api(P(sid), { token: r.u.alice.token, body: { user_id: r.u.bob.id, role: 'viewer' } })
    expect(added.status).toBe(201)
    expect(await json(added)).toMatchObject({
      user_id: r.u.bob.id,
      username: 'bob',
      role: 'viewer',
      source: 'participant',
      online: false,
      connections: 0,
    })
    const ev = await a.next((m) => m.type === 'participant_added')
    expect(ev.seq).toBeGreaterThan(0)
    expect(ev.data).toMatchObject({
      user_id: r.u.bob.id,
      username: 'bob',
      role: 'viewer',
      via: 'invite',
      by: r.u.alice.id,
      by_username: 'alice',
    })
    expect((await r.s.api(P(sid), { token: r.u.alice.token, body: { user_id: r.u.bob.id } })).status).toBe(409)
    expect((await r.s.api(P(sid), { token: r.u.alice.token, body: { user_id: 'nobody' } })).status).toBe(404)

    const list = await json(await r.s.api(P(sid), { token: r.u.bob.token }))
    expect(list.participants.map((p: any) => [p.username, p.role, p.source]).sort()).toEqual([
      ['alice', 'owner', 'owner'],
      ['bob', 'viewer', 'participant'],
    ])

    const patched = await r.s.api(P(sid, r.u.bob.id), {
      method: 'PATCH',
      token: r.u.alice.token,
      body: { role: 'collaborator' },
    })
    expect(patched.status).toBe(200)
    expect((await json(patched)).role).toBe('collaborator')
    expect((await a.next((m) => m.type === 'role_changed')).data).toMatchObject({
      user_id: r.u.bob.id,
      role: 'collaborator',
      previous_role: 'viewer',
    })

    const removed = await r.s.api(P(sid, r.u.bob.id), { method: 'DELETE', token: r.u.alice.token })
    expect(await json(removed)).toEqual({ ok: true, user_id: r.u.bob.id, remaining_role: null })
    expect((await a.next((m) => m.type === 'participant_removed')).data).toMatchObject({
      user_id: r.u.bob.id,
      previous_role: 'collaborator',
      remaining_role: null,
    })
    expect((await r.s.api(`/api/v1/claude/sessions/${sid}`, { token: r.u.bob.token })).status).toBe(404)
    expect((await r.s.api(P(sid, r.u.bob.id), { method: 'DELETE', token: r.u.alice.token })).status).toBe(404)
    // the owner cannot be removed or demoted
    expect((await r.s.api(P(sid, r.u.alice.id), { method: 'DELETE', token: r.u.alice.token })).status).toBe(409)
    expect(
      (await r.s.api(P(sid, r.u.alice.id), { method: 'PATCH', token: r.u.alice.token, body: { role: 'viewer' } }))
        .status,
    ).toBe(409)
  })

  test('the owner hands the session over: new owner, previous owner becomes collaborator', async () => {
    // carol owns the session in alice's workspace (alice, the workspace owner, would stay owner on every session in it)
    const sid = await newSession(r, { bob: 'collaborator' }, 'carol')
    const res = await r.s.api(P(sid, r.u.bob.id), { method: 'PATCH', token: r.u.carol.token, body: { role: 'owner' } })
    expect(res.status).toBe(200)
    expect((await json(res)).role).toBe('owner')
    const session = await json(await r.s.api(`/api/v1/claude/sessions/${sid}`, { token: r.u.carol.token }))
    expect(session).toMatchObject({ owner_id: r.u.bob.id, role: 'collaborator' })
    // carol can no longer manage, bob can
    expect((await r.s.api(P(sid), { token: r.u.carol.token, body: { user_id: r.u.dave.id } })).status).toBe(403)
    expect((await r.s.api(P(sid), { token: r.u.bob.token, body: { user_id: r.u.dave.id } })).status).toBe(201)
    const logs = await json(await r.s.api(`/api/v1/claude/sessions/${sid}/logs`, { token: r.u.bob.token }))
    const changes = logs.logs
      .filter((l: any) => l.type === 'role_changed')
      .map((l: any) => [l.data.username, l.data.previous_role, l.data.role, l.data.owner_id])
    expect(changes).toEqual([
      ['bob', 'collaborator', 'owner', r.u.bob.id],
      ['carol', 'owner', 'collaborator', r.u.bob.id],
    ])
  })

  test('workspace members get their default role; an explicit participant role overrides it', async () => {
    const sid = await newSession(r)
    const put = await r.s.api(`/api/v1/workspaces/${r.wsId}/members/${r.u.eve.id}`, {
      method: 'PUT',
      token: r.u.alice.token,
      body: { session_role: 'viewer' },
    })
    expect(put.status).toBe(200)
    try {
      const list = await json(await r.s.api(P(sid), { token: r.u.eve.token }))
      expect(list.participants.find((p: any) => p.username === 'eve')).toMatchObject({
        role: 'viewer',
        source: 'workspace',
      })
      const e = await sock(r, 'eve')
      await join(e, sid)
      expect(
        (
          await e.request({
            type: 'code_change',
            session_id: sid,
            data: { version: 0, edits: [{ start: 0, end: 0, text: 'x' }] },
          })
        ).data.code,
      ).toBe('FORBIDDEN')
      expect(
        (await r.s.api(P(sid, r.u.eve.id), { method: 'PATCH', token: r.u.alice.token, body: { role: 'collaborator' } }))
          .status,
      ).toBe(200)
      expect(
        (
          await e.request({
            type: 'code_change',
            session_id: sid,
            data: { version: 0, edits: [{ start: 0, end: 0, text: 'x' }] },
          })
        ).type,
      ).toBe('success')
      // removing the explicit row falls back to the workspace default: the socket keeps watching
      const removed = await json(await r.s.api(P(sid, r.u.eve.id), { method: 'DELETE', token: r.u.alice.token }))
      expect(removed.remaining_role).toBe('viewer')
      // marker: a message on the session after the removal; a socket that was cut off would not get it
      await r.s.services.log.emit(`session:${sid}`, 'note', { after: 'removal' })
      await e.next((m) => m.type === 'note' && m.data.after === 'removal')
      expect(seen(e, 'unsubscribed')).toHaveLength(0)
    } finally {
      await r.s.api(`/api/v1/workspaces/${r.wsId}/members/${r.u.eve.id}`, { method: 'DELETE', token: r.u.alice.token })
    }
  })

  test('a participant may leave by removing themself', async () => {
    const sid = await newSession(r, { carol: 'viewer' })
    expect((await json(await r.s.api(P(sid, r.u.carol.id), { method: 'DELETE', token: r.u.carol.token }))).ok).toBe(
      true,
    )
    expect((await r.s.api(P(sid), { token: r.u.carol.token })).status).toBe(404)
  })
})

describe('removal cuts a participant off at once', () => {
  test('the removed user gets participant_removed + unsubscribed and nothing after, on every socket', async () => {
    const sid = await newSession(r, { bob: 'collaborator', carol: 'viewer' })
    const [a, b, c1, c2] = [
      await sock(r, 'alice'),
      await sock(r, 'bob'),
      await sock(r, 'carol'),
      await sock(r, 'carol'),
    ]
    for (const x of [a, b, c1, c2]) await join(x, sid)

    const res = await r.s.api(P(sid, r.u.carol.id), { method: 'DELETE', token: r.u.alice.token })
    expect(res.status).toBe(200)
    // right after the answer, another message on the session: carol must not get it
    const next = await a.request({
      type: 'code_change',
      session_id: sid,
      data: { version: 0, edits: [{ start: 0, end: 0, text: 'secret' }] },
    })
    expect(next.type).toBe('success')
    await b.next((m) => m.type === 'code_change')
    for (const c of [c1, c2]) {
      await c.next((m) => m.type === 'unsubscribed' && m.channel === `session:${sid}`)
      expect(seen(c, 'participant_removed', r.u.carol.id)).toHaveLength(1)
      expect(seen(c, 'code_change')).toHaveLength(0)
    }
    // carol's presence ends at once (revoked, no grace); she cannot join again
    expect(
      (await a.next((m) => m.type === 'participant_left' && m.data.user_id === r.u.carol.id, 1000)).data.reason,
    ).toBe('access_revoked')
    expect((await c1.request({ type: 'session_join', session_id: sid })).data.code).toBe('FORBIDDEN')
    // marker: a later message on the session reaches bob; carol's sockets (handled in order) answer a ping after it
    await r.s.services.log.emit(`session:${sid}`, 'note', { after: 'removal' })
    await b.next((m) => m.type === 'note' && m.data.after === 'removal')
    for (const c of [c1, c2]) expect((await c.request({ type: 'ping' })).type).toBe('pong')
    expect(seen(c1, 'code_change')).toHaveLength(0)
    expect(seen(c1, 'note')).toHaveLength(0)
  })
})

describe('participants over WebSocket', () => {
  test('invite_user, change_role, remove_user (seed 001)', async () => {
    const sid = await newSession(r)
    const a = await sock(r, 'alice')
    await join(a, sid)
    const inv = await a.request({
      type: 'invite_user',
      session_id: sid,
      data: { user_id: r.u.dave.id, role: 'viewer' },
    })
    expect(inv.data).toMatchObject({ action: 'invite_user', participant: { user_id: r.u.dave.id, role: 'viewer' } })
    const d = await sock(r, 'dave')
    await join(d, sid)
    const ch = await a.request({
      type: 'change_role',
      channel: `session:${sid}`,
      data: { user_id: r.u.dave.id, role: 'collaborator' },
    })
    expect(ch.data.participant.role).toBe('collaborator')
    await d.next((m) => m.type === 'role_changed' && m.data.user_id === r.u.dave.id)
    const rm = await a.request({ type: 'remove_user', data: { session_id: sid, user_id: r.u.dave.id } })
    expect(rm.data).toMatchObject({ action: 'remove_user', ok: true, remaining_role: null })
    await d.next((m) => m.type === 'unsubscribed')
  })
})
