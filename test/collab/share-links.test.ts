// Share links: made by the owner with a role and expiry, accepted by existing users, never lowering a role, revocable.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { SETUP_TIMEOUT, join, json, newSession, sock, startRoom, stopRoom, type Room } from './helpers.ts'

let r: Room
beforeAll(async () => {
  r = await startRoom()
}, SETUP_TIMEOUT)
afterEach(() => r.pool.closeAll())
afterAll(() => stopRoom(r))

const share = (sid: string, body: Record<string, unknown>, token = r.u.alice.token) =>
  r.s.api(`/api/v1/claude/sessions/${sid}/share`, { token, body })
const accept = (tok: string, token: string) =>
  r.s.api(`/api/v1/claude/share/${tok}/accept`, { method: 'POST', token, body: {} })

describe('share links', () => {
  test('create → token shown once (only its hash stored) → accept joins with the role → published', async () => {
    const sid = await newSession(r)
    const a = await sock(r, 'alice')
    await join(a, sid)
    const res = await share(sid, { role: 'viewer', expires_in_s: 3600 })
    expect(res.status).toBe(201)
    const link = await json(res)
    expect(link).toMatchObject({ session_id: sid, role: 'viewer', url: `/api/v1/claude/share/${link.token}` })
    expect(link.token.length).toBeGreaterThanOrEqual(40)
    expect(Date.parse(link.expires_at) - Date.parse(link.created_at)).toBe(3_600_000)
    const stored = await r.s.services.store.shareLinks.byId(link.id)
    expect(stored!.token_hash).toBe(createHash('sha256').update(link.token).digest('hex'))
    expect(JSON.stringify(stored)).not.toContain(link.token)

    const listed = await json(await r.s.api(`/api/v1/claude/sessions/${sid}/share`, { token: r.u.alice.token }))
    expect(listed.links).toHaveLength(1)
    expect(listed.links[0]).toMatchObject({ id: link.id, state: 'active', uses: 0, created_by: r.u.alice.id })
    expect(listed.links[0].token).toBeUndefined()

    // dave has no access yet; the link tells him what he would get
    expect((await r.s.api(`/api/v1/claude/sessions/${sid}`, { token: r.u.dave.token })).status).toBe(404)
    expect(await json(await r.s.api(link.url, { token: r.u.dave.token }))).toMatchObject({
      session_id: sid,
      role: 'viewer',
      your_role: null,
    })
    expect((await r.s.api(link.url)).status).toBe(401)

    const ok = await accept(link.token, r.u.dave.token)
    expect(ok.status).toBe(200)
    expect(await json(ok)).toEqual({ session_id: sid, role: 'viewer', previous_role: null, changed: true })
    expect((await a.next((m) => m.type === 'participant_added')).data).toMatchObject({
      user_id: r.u.dave.id,
      role: 'viewer',
      via: 'share_link',
      link_id: link.id,
    })
    expect((await json(await r.s.api(`/api/v1/claude/sessions/${sid}`, { token: r.u.dave.token }))).role).toBe('viewer')
    const d = await sock(r, 'dave')
    expect((await join(d, sid)).state.your_role).toBe('viewer')
    const after = await json(await r.s.api(`/api/v1/claude/sessions/${sid}/share`, { token: r.u.alice.token }))
    expect(after.links[0].uses).toBe(1)
  })

  test('a link raises a lower role but never lowers a higher one', async () => {
    const sid = await newSession(r, { bob: 'collaborator', carol: 'viewer' })
    const viewerLink = await json(await share(sid, { role: 'viewer' }))
    const collabLink = await json(await share(sid, { role: 'collaborator' }))
    expect(await json(await accept(viewerLink.token, r.u.bob.token))).toEqual({
      session_id: sid,
      role: 'collaborator',
      previous_role: 'collaborator',
      changed: false,
    })
    expect(await json(await accept(viewerLink.token, r.u.alice.token))).toMatchObject({ role: 'owner', changed: false })
    expect(await json(await accept(collabLink.token, r.u.carol.token))).toEqual({
      session_id: sid,
      role: 'collaborator',
      previous_role: 'viewer',
      changed: true,
    })
    const logs = await json(await r.s.api(`/api/v1/claude/sessions/${sid}/logs`, { token: r.u.alice.token }))
    expect(
      logs.logs
        .filter((l: any) => l.type === 'role_changed')
        .map((l: any) => [l.data.username, l.data.role, l.data.via]),
    ).toEqual([['carol', 'collaborator', 'share_link']])
  })

  test('revoked → 410 SHARE_LINK_REVOKED (people who joined keep their role); unknown → 404', async () => {
    const sid = await newSession(r)
    const link = await json(await share(sid, { role: 'collaborator' }))
    expect((await accept(link.token, r.u.bob.token)).status).toBe(200)
    const del = await r.s.api(`/api/v1/claude/sessions/${sid}/share/${link.id}`, {
      method: 'DELETE',
      token: r.u.alice.token,
    })
    expect(del.status).toBe(200)
    expect(await json(del)).toMatchObject({ id: link.id, state: 'revoked', uses: 1 })
    const again = await r.s.api(`/api/v1/claude/sessions/${sid}/share/${link.id}`, {
      method: 'DELETE',
      token: r.u.alice.token,
    })
    expect((await json(again)).state).toBe('revoked')

    const refused = await accept(link.token, r.u.eve.token)
    expect(refused.status).toBe(410)
    expect((await json(refused)).code).toBe('SHARE_LINK_REVOKED')
    expect((await json(await r.s.api(link.url, { token: r.u.eve.token }))).code).toBe('SHARE_LINK_REVOKED')
    expect((await json(await r.s.api(`/api/v1/claude/sessions/${sid}`, { token: r.u.bob.token }))).role).toBe(
      'collaborator',
    )
    const unknown = await accept('x'.repeat(43), r.u.eve.token)
    expect(unknown.status).toBe(404)
    expect((await json(unknown)).code).toBe('SHARE_LINK_NOT_FOUND')
    // another session's link id cannot be revoked through this session
    const other = await newSession(r)
    const otherLink = await json(await share(other, { role: 'viewer' }))
    expect(
      (
        await r.s.api(`/api/v1/claude/sessions/${sid}/share/${otherLink.id}`, {
          method: 'DELETE',
          token: r.u.alice.token,
        })
      ).status,
    ).toBe(404)
  })

  test('expired → 410 SHARE_LINK_EXPIRED', async () => {
    const sid = await newSession(r)
    const link = await json(await share(sid, { role: 'viewer', expires_in_s: 1 }))
    r.clock.advance(999)
    expect((await json(await r.s.api(link.url, { token: r.u.eve.token }))).role).toBe('viewer') // still usable
    r.clock.advance(1)
    const res = await accept(link.token, r.u.eve.token)
    expect(res.status).toBe(410)
    expect((await json(res)).code).toBe('SHARE_LINK_EXPIRED')
    expect((await r.s.api(`/api/v1/claude/sessions/${sid}`, { token: r.u.eve.token })).status).toBe(404)
    const listed = await json(await r.s.api(`/api/v1/claude/sessions/${sid}/share`, { token: r.u.alice.token }))
    expect(listed.links[0]).toMatchObject({ state: 'expired', uses: 0 })
    expect((await share(sid, { role: 'viewer', expires_in_s: 0 })).status).toBe(422)
    expect((await share(sid, { role: 'owner' })).status).toBe(422)
  })
})
