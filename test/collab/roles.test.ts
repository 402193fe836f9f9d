// The roles matrix: every collaboration route and WebSocket command × owner, collaborator, viewer, outsider, admin.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { WsClient } from '../support/ws-client.ts'
import { SETUP_TIMEOUT, json, newSession, sock, startRoom, stopRoom, type Name, type Room } from './helpers.ts'

type Who = 'owner' | 'collaborator' | 'viewer' | 'outsider' | 'admin'
const WHO: Who[] = ['owner', 'collaborator', 'viewer', 'outsider', 'admin']
const NAME: Record<Exclude<Who, 'admin'>, Name> = {
  owner: 'alice',
  collaborator: 'bob',
  viewer: 'carol',
  outsider: 'dave',
}

let r: Room
let sid: string
const token = (w: Who) => (w === 'admin' ? r.admin.token : r.u[NAME[w]].token)
beforeAll(async () => {
  r = await startRoom()
  sid = await newSession(r, { bob: 'collaborator', carol: 'viewer' })
}, SETUP_TIMEOUT)
afterAll(() => stopRoom(r))

/** Expected answer per role, in WHO order. */
const expectFor = (...answers: (string | number)[]): Record<string, string | number> =>
  Object.fromEntries(WHO.map((w, i) => [w, answers[i]!]))
const OWNERS = (ok: string | number, low: string | number, out: string | number) => expectFor(ok, low, low, out, ok)

const store = () => r.s.services.store
const eveAs = async (role: 'viewer' | null) => {
  if (role)
    await store().sessions.putParticipant({ session_id: sid, user_id: r.u.eve.id, role, created_at: Date.now() })
  else await store().sessions.removeParticipant(sid, r.u.eve.id)
}
const newLink = async () =>
  await json(
    await r.s.api(`/api/v1/claude/sessions/${sid}/share`, { token: r.u.alice.token, body: { role: 'viewer' } }),
  )

describe('REST roles matrix', () => {
  const S = () => `/api/v1/claude/sessions/${sid}`
  const cases: [string, (w: Who) => Promise<Response>, Record<string, string | number>][] = [
    ['GET session', (w) => r.s.api(S(), { token: token(w) }), expectFor(200, 200, 200, 404, 200)],
    ['GET logs', (w) => r.s.api(`${S()}/logs`, { token: token(w) }), expectFor(200, 200, 200, 404, 200)],
    [
      'GET participants',
      (w) => r.s.api(`${S()}/participants`, { token: token(w) }),
      expectFor(200, 200, 200, 404, 200),
    ],
    [
      'POST participants',
      async (w) => {
        await eveAs(null)
        return r.s.api(`${S()}/participants`, { token: token(w), body: { user_id: r.u.eve.id, role: 'viewer' } })
      },
      OWNERS(201, 403, 404),
    ],
    [
      'PATCH participant',
      async (w) => {
        await eveAs('viewer')
        return r.s.api(`${S()}/participants/${r.u.eve.id}`, {
          method: 'PATCH',
          token: token(w),
          body: { role: 'collaborator' },
        })
      },
      OWNERS(200, 403, 404),
    ],
    [
      'DELETE participant',
      async (w) => {
        await eveAs('viewer')
        return r.s.api(`${S()}/participants/${r.u.eve.id}`, { method: 'DELETE', token: token(w) })
      },
      OWNERS(200, 403, 404),
    ],
    [
      'POST share',
      (w) => r.s.api(`${S()}/share`, { token: token(w), body: { role: 'viewer' } }),
      OWNERS(201, 403, 404),
    ],
    ['GET share', (w) => r.s.api(`${S()}/share`, { token: token(w) }), OWNERS(200, 403, 404)],
    [
      'DELETE share',
      async (w) => r.s.api(`${S()}/share/${(await newLink()).id}`, { method: 'DELETE', token: token(w) }),
      OWNERS(200, 403, 404),
    ],
    [
      'GET share info',
      async (w) => r.s.api((await newLink()).url, { token: token(w) }),
      expectFor(200, 200, 200, 200, 200),
    ],
    ['GET document', (w) => r.s.api(`${S()}/document`, { token: token(w) }), expectFor(200, 200, 200, 404, 200)],
    [
      'DELETE session (close)',
      async (w) => {
        await store().sessions.update(sid, { status: 'active', closed_at: null })
        return r.s.api(S(), { method: 'DELETE', token: token(w) })
      },
      OWNERS(200, 403, 404),
    ],
  ]

  test('every route answers each role as the roles table says', async () => {
    const outcome: Record<string, unknown> = {}
    const expected: Record<string, unknown> = {}
    for (const [name, run, want] of cases) {
      for (const w of WHO) {
        outcome[`${name} as ${w}`] = (await run(w)).status
        expected[`${name} as ${w}`] = want[w]
      }
    }
    await store().sessions.update(sid, { status: 'active', closed_at: null })
    expect(outcome).toEqual(expected)
  })

  test('share link accept: any authenticated user (the link is the credential)', async () => {
    for (const w of WHO) {
      const res = await r.s.api(`/api/v1/claude/share/${(await newLink()).token}/accept`, {
        method: 'POST',
        token: token(w),
        body: {},
      })
      expect(`${w} ${res.status}`).toBe(`${w} 200`)
    }
    await store().sessions.removeParticipant(sid, r.u.dave.id) // the outsider became a viewer above
  })
})

describe('WebSocket roles matrix', () => {
  test('every command answers each role as the roles table says', async () => {
    const socks = {} as Record<Who, WsClient>
    for (const w of WHO) socks[w] = await sock(r, w === 'admin' ? 'admin' : NAME[w])
    const answer = async (w: Who, msg: Record<string, unknown>) => {
      const reply = await socks[w].request(msg)
      return reply.type === 'success' ? 'ok' : reply.data.code
    }
    const version = async () =>
      (await json(await r.s.api(`/api/v1/claude/sessions/${sid}/document`, { token: r.admin.token }))).version
    const cases: [string, (w: Who) => Promise<string>, Record<string, string | number>][] = [
      [
        'session_join',
        (w) => answer(w, { type: 'session_join', session_id: sid }),
        expectFor('ok', 'ok', 'ok', 'FORBIDDEN', 'ok'),
      ],
      [
        'join_collaboration',
        (w) => answer(w, { type: 'join_collaboration', data: { session_id: sid } }),
        expectFor('ok', 'ok', 'ok', 'FORBIDDEN', 'ok'),
      ],
      [
        'invite_user',
        async (w) => {
          await eveAs(null)
          return answer(w, { type: 'invite_user', session_id: sid, data: { user_id: r.u.eve.id, role: 'viewer' } })
        },
        OWNERS('ok', 'FORBIDDEN', 'NOT_FOUND'),
      ],
      [
        'change_role',
        async (w) => {
          await eveAs('viewer')
          return answer(w, {
            type: 'change_role',
            session_id: sid,
            data: { user_id: r.u.eve.id, role: 'collaborator' },
          })
        },
        OWNERS('ok', 'FORBIDDEN', 'NOT_FOUND'),
      ],
      [
        'remove_user',
        async (w) => {
          await eveAs('viewer')
          return answer(w, { type: 'remove_user', session_id: sid, data: { user_id: r.u.eve.id } })
        },
        OWNERS('ok', 'FORBIDDEN', 'NOT_FOUND'),
      ],
      [
        'typing',
        (w) => answer(w, { type: 'typing', session_id: sid, data: { state: 'start' } }),
        expectFor('ok', 'ok', 'FORBIDDEN', 'NOT_JOINED', 'ok'),
      ],
      [
        'cursor_update',
        (w) => answer(w, { type: 'cursor_update', session_id: sid, data: { position: 1 } }),
        expectFor('ok', 'ok', 'ok', 'NOT_JOINED', 'ok'),
      ],
      [
        'code_change',
        async (w) =>
          answer(w, {
            type: 'code_change',
            session_id: sid,
            data: { version: await version(), edits: [{ start: 0, end: 0, text: w[0]! }] },
          }),
        expectFor('ok', 'ok', 'FORBIDDEN', 'NOT_FOUND', 'ok'),
      ],
      [
        'leave_collaboration',
        (w) => answer(w, { type: 'leave_collaboration', session_id: sid }),
        expectFor('ok', 'ok', 'ok', 'ok', 'ok'),
      ],
    ]
    const outcome: Record<string, unknown> = {}
    const expected: Record<string, unknown> = {}
    for (const [name, run, want] of cases) {
      for (const w of WHO) {
        outcome[`${name} as ${w}`] = await run(w)
        expected[`${name} as ${w}`] = want[w]
      }
    }
    expect(outcome).toEqual(expected)
    await r.pool.closeAll()
  })
})
