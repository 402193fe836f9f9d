// Store contract part two: the record repositories (users, keys, workspaces, sessions, executions, files, links, docs).
import { describe, expect, test } from 'bun:test'
import type { PermissionRecord } from '../../src/store/records.ts'
import type { Store } from '../../src/store/store.ts'
import { expectConflict, type ContractContext } from './contract.ts'
import * as f from './fixtures.ts'

/** A user, their workspace and a session in it: the rows most other records hang off. */
async function base(s: Store) {
  const owner = f.user()
  await s.users.create(owner)
  const ws = f.workspace(owner.id)
  await s.workspaces.create(ws)
  const ses = f.session(ws.id, owner.id)
  await s.sessions.create(ses)
  return { owner, ws, ses }
}

export function recordRepoContract(ctx: ContractContext): void {
  test('not found is null / false / empty everywhere, never an error', async () => {
    const s = ctx.store
    const x = 'no-such-id'
    for (const v of [
      await s.users.byId(x),
      await s.users.byUsername(x),
      await s.users.update(x, { email: 'e' }),
      await s.apiKeys.byHash(x),
      await s.workspaces.byId(x),
      await s.workspaces.byPath(x),
      await s.workspaces.member(x, x),
      await s.sessions.byId(x),
      await s.sessions.participant(x, x),
      await s.executions.byId(x),
      await s.executions.update(x, { status: 'failed' }),
      await s.files.byId(x),
      await s.shareLinks.byId(x),
      await s.shareLinks.byTokenHash(x),
      await s.docs.get(x),
    ])
      expect(v).toBeNull()
    for (const v of [
      await s.users.delete(x),
      await s.apiKeys.revoke(x, x, 1),
      await s.workspaces.delete(x),
      await s.workspaces.removeMember(x, x),
      await s.sessions.removeParticipant(x, x),
      await s.files.delete(x),
      await s.shareLinks.revoke(x, 1),
    ])
      expect(v).toBe(false)
    expect(await s.apiKeys.listForUser(x)).toEqual([])
    expect(await s.sessions.participants(x)).toEqual([])
    expect(await s.shareLinks.listForSession(x)).toEqual([])
  })

  describe('users', () => {
    test('create, read by id and by username (case-insensitive), fresh objects, count, list with limit/offset/total', async () => {
      const s = ctx.store
      const users = [f.user({ username: 'Alice', disabled: true }), f.user(), f.user()]
      for (const u of users) await s.users.create(u)
      const got = (await s.users.byId(users[0]!.id))!
      expect(got).toEqual(users[0]!)
      got.username = 'mutated'
      expect((await s.users.byUsername('aLICE'))!.username).toBe('Alice')
      expect(await s.users.count()).toBe(3)
      const page = await s.users.list({ limit: 2, offset: 1 })
      expect(page.total).toBe(3)
      expect(page.items.map((u) => u.id)).toEqual(users.slice(1).map((u) => u.id))
    })

    test('a taken username (any case) or id is a StoreConflict, on create and on update', async () => {
      const s = ctx.store
      const a = f.user({ username: 'bob' })
      const b = f.user()
      await s.users.create(a)
      await s.users.create(b)
      await expectConflict(s.users.create(f.user({ username: 'BOB' })))
      await expectConflict(s.users.create(f.user({ id: a.id })))
      await expectConflict(s.users.update(b.id, { username: 'Bob' }))
      expect(await s.users.count()).toBe(2)
    })

    test('update returns the new record; delete once', async () => {
      const s = ctx.store
      const u = f.user()
      await s.users.create(u)
      expect(await s.users.update(u.id, { display_name: 'D', disabled: true, updated_at: 5 })).toEqual({
        ...u,
        display_name: 'D',
        disabled: true,
        updated_at: 5,
      })
      expect(await s.users.delete(u.id)).toBe(true)
      expect(await s.users.delete(u.id)).toBe(false)
      expect(await s.users.byId(u.id)).toBeNull()
    })

    test('tokens_valid_after is kept to the millisecond (a password change revokes tokens by it)', async () => {
      const s = ctx.store
      const u = f.user()
      await s.users.create(u)
      expect((await s.users.byId(u.id))!.tokens_valid_after).toBe(0)
      const at = 1_764_480_000_123
      expect((await s.users.update(u.id, { tokens_valid_after: at }))!.tokens_valid_after).toBe(at)
      expect((await s.users.byId(u.id))!.tokens_valid_after).toBe(at)
    })
  })

  describe('settings', () => {
    test('missing is null; put inserts, a second put replaces; values are returned as stored', async () => {
      const s = ctx.store
      expect(await s.settings.get('tool-policy')).toBeNull()
      const first = { key: 'tool-policy', value: '{"a":1}', updated_by: null, updated_at: 1 }
      await s.settings.put(first)
      expect(await s.settings.get('tool-policy')).toEqual(first)
      const second = { key: 'tool-policy', value: '{"a":2}', updated_by: 'admin-id', updated_at: 2 }
      await s.settings.put(second)
      expect(await s.settings.get('tool-policy')).toEqual(second)
      expect(await s.settings.get('other')).toBeNull()
    })
  })

  describe('api keys and revoked tokens', () => {
    test('by hash, listed newest first, revoked once and only by their user, touched; a duplicate hash is a StoreConflict', async () => {
      const s = ctx.store
      const u = f.user()
      await s.users.create(u)
      const [k1, k2] = [f.apiKey(u.id), f.apiKey(u.id)]
      await s.apiKeys.create(k1)
      await s.apiKeys.create(k2)
      expect(await s.apiKeys.byHash(k1.key_hash)).toEqual(k1)
      expect((await s.apiKeys.listForUser(u.id)).map((k) => k.id)).toEqual([k2.id, k1.id])
      expect(await s.apiKeys.revoke(k1.id, 'someone-else', 9)).toBe(false)
      expect(await s.apiKeys.revoke(k1.id, u.id, 9)).toBe(true)
      expect(await s.apiKeys.revoke(k1.id, u.id, 10)).toBe(false)
      await s.apiKeys.touch(k1.id, 11)
      expect(await s.apiKeys.byHash(k1.key_hash)).toMatchObject({ revoked_at: 9, last_used_at: 11 })
      await expectConflict(s.apiKeys.create(f.apiKey(u.id, { key_hash: k1.key_hash })))
      await expectConflict(s.apiKeys.create(f.apiKey(u.id, { id: k1.id })))
    })

    test('revoked tokens: add is idempotent, active are those not expired, prune removes the expired', async () => {
      const r = ctx.store.revokedTokens
      await r.add('a', 100)
      await r.add('a', 100)
      await r.add('b', 300)
      expect((await r.active(50)).sort()).toEqual(['a', 'b'])
      expect(await r.active(100)).toEqual(['b'])
      expect(await r.prune(100)).toBe(1)
      expect(await r.active(0)).toEqual(['b'])
    })
  })

  describe('workspaces', () => {
    test('create, by id and path, a taken path is a StoreConflict, visible to owner and members (all for null), update, delete', async () => {
      const s = ctx.store
      const [owner, member, stranger] = [f.user(), f.user(), f.user()]
      for (const u of [owner, member, stranger]) await s.users.create(u)
      const [w1, w2] = [f.workspace(owner.id, { description: 'd' }), f.workspace(stranger.id)]
      await s.workspaces.create(w1)
      await s.workspaces.create(w2)
      expect(await s.workspaces.byId(w1.id)).toEqual(w1)
      expect(await s.workspaces.byPath(w1.path)).toEqual(w1)
      await expectConflict(s.workspaces.create(f.workspace(owner.id, { path: w1.path })))
      await s.workspaces.putMember({
        workspace_id: w1.id,
        user_id: member.id,
        session_role: 'viewer',
        created_at: f.tick(),
      })
      expect((await s.workspaces.listVisible(null, { limit: 10, offset: 0 })).total).toBe(2)
      for (const u of [owner, member])
        expect((await s.workspaces.listVisible(u.id, { limit: 10, offset: 0 })).items.map((w) => w.id)).toEqual([w1.id])
      expect(await s.workspaces.listVisible(owner.id, { limit: 0, offset: 0 })).toEqual({ items: [], total: 1 })
      expect(await s.workspaces.update(w1.id, { name: 'n', updated_at: 7 })).toEqual({
        ...w1,
        name: 'n',
        updated_at: 7,
      })
      expect(await s.workspaces.delete(w1.id)).toBe(true)
      expect(await s.workspaces.byId(w1.id)).toBeNull()
    })

    test('members: put is an upsert of the role, member reads one, remove once', async () => {
      const s = ctx.store
      const { ws } = await base(s)
      const m = f.user()
      await s.users.create(m)
      await s.workspaces.putMember({ workspace_id: ws.id, user_id: m.id, session_role: 'viewer', created_at: 1 })
      await s.workspaces.putMember({ workspace_id: ws.id, user_id: m.id, session_role: 'collaborator', created_at: 2 })
      expect(await s.workspaces.members(ws.id)).toEqual([
        { workspace_id: ws.id, user_id: m.id, session_role: 'collaborator', created_at: 1 },
      ])
      expect((await s.workspaces.member(ws.id, m.id))!.session_role).toBe('collaborator')
      expect(await s.workspaces.removeMember(ws.id, m.id)).toBe(true)
      expect(await s.workspaces.removeMember(ws.id, m.id)).toBe(false)
    })
  })

  describe('sessions', () => {
    test('create (JSON usage round-trips), a taken id is a StoreConflict, update, participants upsert/remove', async () => {
      const s = ctx.store
      const { owner, ses } = await base(s)
      expect(await s.sessions.byId(ses.id)).toEqual(ses)
      await expectConflict(s.sessions.create({ ...ses }))
      expect(await s.sessions.update(ses.id, { status: 'closed', usage: { output_tokens: 2 }, closed_at: 9 })).toEqual({
        ...ses,
        status: 'closed',
        usage: { output_tokens: 2 },
        closed_at: 9,
      })
      await s.sessions.putParticipant({ session_id: ses.id, user_id: owner.id, role: 'viewer', created_at: 1 })
      await s.sessions.putParticipant({ session_id: ses.id, user_id: owner.id, role: 'owner', created_at: 2 })
      expect(await s.sessions.participants(ses.id)).toEqual([
        { session_id: ses.id, user_id: owner.id, role: 'owner', created_at: 1 },
      ])
      expect(await s.sessions.removeParticipant(ses.id, owner.id)).toBe(true)
      expect(await s.sessions.participant(ses.id, owner.id)).toBeNull()
    })

    test('listVisible: owner, participant, workspace owner or member; a workspace filter; newest updated first; total', async () => {
      const s = ctx.store
      const { owner, ws, ses } = await base(s)
      const [p, m, x] = [f.user(), f.user(), f.user()]
      for (const u of [p, m, x]) await s.users.create(u)
      const other = f.workspace(x.id)
      await s.workspaces.create(other)
      const s2 = f.session(other.id, x.id)
      await s.sessions.create(s2)
      await s.sessions.putParticipant({ session_id: s2.id, user_id: p.id, role: 'viewer', created_at: 1 })
      await s.workspaces.putMember({ workspace_id: ws.id, user_id: m.id, session_role: 'viewer', created_at: 1 })
      const ids = async (u: string | null, workspaceId?: string) =>
        (await s.sessions.listVisible(u, { workspaceId, limit: 10, offset: 0 })).items.map((i) => i.id)
      expect(await ids(null)).toEqual([s2.id, ses.id])
      expect(await ids(owner.id)).toEqual([ses.id])
      expect(await ids(p.id)).toEqual([s2.id])
      expect(await ids(m.id)).toEqual([ses.id])
      expect(await ids(null, ws.id)).toEqual([ses.id])
      expect(await s.sessions.listVisible(null, { limit: 1, offset: 1 })).toEqual({ items: [ses], total: 2 })
    })
  })

  describe('executions, files, share links, documents', () => {
    test('executions: create/read (JSON columns), list by session/status/visibility newest first, update, withStatus oldest first', async () => {
      const s = ctx.store
      const { owner, ses } = await base(s)
      const stranger = f.user()
      await s.users.create(stranger)
      const [e1, e2] = [
        f.execution(ses, owner.id, { permission_denials: [{ tool: 'Bash' }] }),
        f.execution(ses, owner.id, { status: 'running' }),
      ]
      await s.executions.create(e1)
      await s.executions.create(e2)
      expect(await s.executions.byId(e1.id)).toMatchObject(e1)
      await expectConflict(s.executions.create({ ...e1 }))
      expect(
        (await s.executions.list({ sessionId: ses.id, visibleTo: null, limit: 10, offset: 0 })).items.map((e) => e.id),
      ).toEqual([e2.id, e1.id])
      expect(
        (await s.executions.list({ status: 'running', visibleTo: owner.id, limit: 10, offset: 0 })).items.map(
          (e) => e.id,
        ),
      ).toEqual([e2.id])
      expect(await s.executions.list({ visibleTo: stranger.id, limit: 10, offset: 0 })).toEqual({ items: [], total: 0 })
      expect(
        await s.executions.update(e1.id, { status: 'completed', usage: { input_tokens: 3 }, finished_at: 5 }),
      ).toMatchObject({ status: 'completed', usage: { input_tokens: 3 }, finished_at: 5 })
      expect((await s.executions.withStatus(['queued', 'running', 'completed'])).map((e) => e.id)).toEqual([
        e1.id,
        e2.id,
      ])
      expect(await s.executions.withStatus(['failed'])).toEqual([])
    })

    test('files: create/read, a taken id is a StoreConflict, list by session/workspace newest first with total, delete once', async () => {
      const s = ctx.store
      const { owner, ws, ses } = await base(s)
      const [a, b] = [
        f.file(owner.id, { workspace_id: ws.id, session_id: ses.id }),
        f.file(owner.id, { workspace_id: ws.id }),
      ]
      await s.files.create(a)
      await s.files.create(b)
      expect(await s.files.byId(a.id)).toEqual(a)
      await expectConflict(s.files.create({ ...a }))
      expect(await s.files.list({ sessionId: ses.id, limit: 10, offset: 0 })).toEqual({ items: [a], total: 1 })
      expect(await s.files.list({ workspaceId: ws.id, limit: 1, offset: 0 })).toEqual({ items: [b], total: 2 })
      expect(await s.files.delete(a.id)).toBe(true)
      expect(await s.files.delete(a.id)).toBe(false)
    })

    test('share links: by id and token hash, newest first, revoked once, uses counted; a taken hash is a StoreConflict', async () => {
      const s = ctx.store
      const { owner, ses } = await base(s)
      const [l1, l2] = [f.shareLink(ses.id, owner.id), f.shareLink(ses.id, owner.id, { role: 'collaborator' })]
      await s.shareLinks.create(l1)
      await s.shareLinks.create(l2)
      expect(await s.shareLinks.byTokenHash(l1.token_hash)).toEqual(l1)
      expect((await s.shareLinks.listForSession(ses.id)).map((l) => l.id)).toEqual([l2.id, l1.id])
      expect(await s.shareLinks.revoke(l1.id, 5)).toBe(true)
      expect(await s.shareLinks.revoke(l1.id, 6)).toBe(false)
      await s.shareLinks.countUse(l1.id)
      await s.shareLinks.countUse(l1.id)
      expect(await s.shareLinks.byId(l1.id)).toEqual({ ...l1, revoked_at: 5, uses: 2 })
      await expectConflict(s.shareLinks.create(f.shareLink(ses.id, owner.id, { token_hash: l1.token_hash })))
    })

    test('documents: put only over the expected version (0 = none yet)', async () => {
      const s = ctx.store
      const { owner, ses } = await base(s)
      const doc = { session_id: ses.id, version: 1, text: 'a', language: null, updated_by: owner.id, updated_at: 1 }
      expect(await s.docs.put(doc, 0)).toBe(true)
      expect(await s.docs.put({ ...doc, text: 'lost' }, 0)).toBe(false)
      expect(await s.docs.put({ ...doc, version: 2, text: 'ab' }, 1)).toBe(true)
      expect(await s.docs.put({ ...doc, version: 2, text: 'stale' }, 1)).toBe(false)
      expect(await s.docs.get(ses.id)).toEqual({ ...doc, version: 2, text: 'ab' })
    })
  })

  describe('permissions and conditional execution status', () => {
    const request = (ses: { id: string }, e: { id: string }, o: Partial<PermissionRecord> = {}): PermissionRecord => ({
      id: crypto.randomUUID(),
      cli_request_id: crypto.randomUUID(),
      session_id: ses.id,
      execution_id: e.id,
      kind: 'tool',
      tool_name: 'Write',
      tool_use_id: 'toolu_1',
      input: { file_path: '/w/a.txt' },
      request: { subtype: 'can_use_tool', permission_suggestions: [] },
      status: 'pending',
      scope: null,
      response: null,
      message: null,
      decided_by: null,
      decided_by_name: null,
      decided_at: null,
      created_at: f.tick(),
      expires_at: f.tick(),
      ...o,
    })
    const allow = {
      status: 'allowed',
      scope: 'once',
      response: { behavior: 'allow', updatedInput: {} },
      message: null,
      decided_by: 'u1',
      decided_by_name: 'bob',
      decided_at: 7,
    } as const

    test('create/read (JSON columns), by the CLI id within an execution, pending by session and execution oldest first', async () => {
      const s = ctx.store
      const { owner, ses } = await base(s)
      const e = f.execution(ses, owner.id)
      await s.executions.create(e)
      const [p1, p2] = [request(ses, e), request(ses, e, { kind: 'question', tool_name: 'AskUserQuestion' })]
      await s.permissions.create(p1)
      await s.permissions.create(p2)
      await expectConflict(s.permissions.create({ ...p1 }))
      expect(await s.permissions.byId(p1.id)).toEqual(p1)
      expect(await s.permissions.byCliId(e.id, p2.cli_request_id)).toEqual(p2)
      expect(await s.permissions.byCliId('other', p2.cli_request_id)).toBeNull()
      expect((await s.permissions.pending({ sessionId: ses.id })).map((p) => p.id)).toEqual([p1.id, p2.id])
      expect((await s.permissions.pending({ executionId: e.id })).map((p) => p.id)).toEqual([p1.id, p2.id])
      expect(await s.permissions.pending({ sessionId: 'nope' })).toEqual([])
    })

    test('settle: exactly one of concurrent settles wins, the record never changes again; expireAll takes only what is pending', async () => {
      const s = ctx.store
      const { owner, ses } = await base(s)
      const e = f.execution(ses, owner.id)
      await s.executions.create(e)
      const [p1, p2] = [request(ses, e), request(ses, e)]
      await s.permissions.create(p1)
      await s.permissions.create(p2)
      const results = await Promise.all([
        s.permissions.settle(p1.id, allow),
        s.permissions.settle(p1.id, { ...allow, status: 'denied', decided_by_name: 'carol' }),
      ])
      const winners = results.filter((r) => r !== null)
      expect(winners).toHaveLength(1)
      // either may win (a store with a connection pool runs both at once); the stored record is the winner's
      const won = winners[0]!
      expect(won).toMatchObject({ id: p1.id, response: { behavior: 'allow' } })
      expect([won.status, won.decided_by_name]).toEqual(
        won.status === 'allowed' ? ['allowed', 'bob'] : ['denied', 'carol'],
      )
      expect(await s.permissions.byId(p1.id)).toMatchObject({
        status: won.status,
        decided_by_name: won.decided_by_name,
      })
      expect(await s.permissions.settle('missing', allow)).toBeNull()
      const expired = await s.permissions.expireAll('restarted', 9)
      expect(expired.map((p) => [p.id, p.status, p.message, p.decided_at])).toEqual([
        [p2.id, 'expired', 'restarted', 9],
      ])
      expect(await s.permissions.expireAll('again', 10)).toEqual([])
      expect(await s.permissions.pending({ sessionId: ses.id })).toEqual([])
    })

    test('executions.setStatusIf changes the status only from the expected one', async () => {
      const s = ctx.store
      const { owner, ses } = await base(s)
      const e = f.execution(ses, owner.id, { status: 'running' })
      await s.executions.create(e)
      expect(await s.executions.setStatusIf(e.id, 'running', 'waiting_for_permission')).toMatchObject({
        id: e.id,
        status: 'waiting_for_permission',
      })
      expect(await s.executions.setStatusIf(e.id, 'running', 'waiting_for_permission')).toBeNull()
      expect(await s.executions.setStatusIf('missing', 'running', 'completed')).toBeNull()
      expect((await s.executions.byId(e.id))!.status).toBe('waiting_for_permission')
    })
  })
}
