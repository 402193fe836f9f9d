// Ownership and data: no overlapping workspaces, workspace roles kept on sessions, user and workspace deletion.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { requireRealCli } from '../support/real-cli.ts'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { homeOf } from '../../src/modules/claude/cli/home.ts'
import { projectDirName } from '../../src/modules/claude/cli/home.ts'
import { reply } from '../support/mock-anthropic.ts'
import { createSession, uploadOk } from '../files/helpers.ts'
import {
  alive,
  createWorkspace,
  execute,
  startEnv,
  stopEnv,
  waitFor,
  untilTerminal,
  waitStatus,
  watch,
  socket,
  type Env,
} from '../execution/helpers.ts'

// Roles a workspace gives cannot be taken away on a session; deleting a user keeps what others share; deleting a
// workspace stops its runs first.

const HANG = { cli: 'fake' as const, env: { FAKE_CLAUDE_MODE: 'hang' } }
type User = { id: string; token: string }

async function json(res: Response): Promise<any> {
  return res.json()
}

async function register(e: Env, token: string, path: string): Promise<Response> {
  return e.s.api('/api/v1/workspaces', { token, body: { name: `ws-${crypto.randomUUID().slice(0, 8)}`, path } })
}

async function member(e: Env, owner: string, wsId: string, userId: string, role: 'viewer' | 'collaborator') {
  const res = await e.s.api(`/api/v1/workspaces/${wsId}/members/${userId}`, {
    method: 'PUT',
    token: owner,
    body: { session_role: role },
  })
  expect(res.status).toBe(200)
}

/** The CLI process of an execution, as the engine stored it when the run started. */
async function pidOf(e: Env, executionId: string): Promise<number> {
  let pid: number | null | undefined
  await waitFor(
    async () => Boolean((pid = (await e.s.services.store.executions.byId(executionId))?.pid)),
    10_000,
    'the run to record its pid',
  )
  return pid!
}

describe('overlapping workspaces', () => {
  let e: Env
  let root: string
  let alice: User
  let bob: User
  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'cchub-roots-')))
    for (const d of ['app/sub', 'app2', 'outer/inner']) mkdirSync(join(root, d), { recursive: true })
    symlinkSync(join(root, 'app'), join(root, 'link-to-app'))
    e = await startEnv({ cli: 'fake', config: { workspaceRoots: [root] } })
    alice = await e.s.createUser(e.admin, 'alice')
    bob = await e.s.createUser(e.admin, 'bob')
    expect((await register(e, alice.token, join(root, 'app'))).status).toBe(201)
    expect((await register(e, alice.token, join(root, 'outer/inner'))).status).toBe(201)
  }, 30_000)
  afterAll(async () => {
    await stopEnv(e)
    rmSync(root, { recursive: true, force: true })
  })

  test('a configured workspace root itself is refused with 409 WORKSPACE_OVERLAP', async () => {
    const res = await register(e, bob.token, root)
    expect(res.status).toBe(409)
    const body = await json(res)
    expect(body.code).toBe('WORKSPACE_OVERLAP')
    expect(body.message).toContain('workspace root')
  })

  test("a directory inside another user's workspace is refused, without naming that workspace", async () => {
    for (const path of [join(root, 'app/sub'), join(root, 'link-to-app/sub')]) {
      const res = await register(e, bob.token, path)
      expect(res.status).toBe(409)
      const body = await json(res)
      expect(body.code).toBe('WORKSPACE_OVERLAP')
      expect(body.message).toContain('overlaps an existing workspace')
      expect(body.details).toBeUndefined()
    }
  })

  test('the very same directory, also through a symlink, stays a plain 409 CONFLICT', async () => {
    for (const path of [join(root, 'app'), join(root, 'link-to-app')]) {
      const res = await register(e, bob.token, path)
      expect(res.status).toBe(409)
      expect((await json(res)).code).toBe('CONFLICT')
    }
  })

  test('a directory containing another workspace is refused', async () => {
    const res = await register(e, bob.token, join(root, 'outer'))
    expect(res.status).toBe(409)
    expect((await json(res)).code).toBe('WORKSPACE_OVERLAP')
  })

  test('the owner of the other workspace is told which one it is', async () => {
    const res = await register(e, alice.token, join(root, 'app/sub'))
    expect(res.status).toBe(409)
    expect((await json(res)).details).toMatchObject({ path: join(root, 'app') })
  })

  test('a sibling sharing a name prefix (app vs app2) is allowed', async () => {
    const res = await register(e, bob.token, join(root, 'app2'))
    expect(res.status).toBe(201)
    expect((await json(res)).path).toBe(join(root, 'app2'))
  })
})

describe('session roles given by the workspace', () => {
  let e: Env
  let alice: User
  let bob: User
  let carol: User
  let wsId: string
  beforeAll(async () => {
    e = await startEnv({ cli: 'fake' })
    ;[alice, bob, carol] = [
      await e.s.createUser(e.admin, 'alice'),
      await e.s.createUser(e.admin, 'bob'),
      await e.s.createUser(e.admin, 'carol'),
    ]
    wsId = (await createWorkspace(e.s, alice.token, 'alice-ws')).id
    await member(e, alice.token, wsId, bob.id, 'collaborator')
    await member(e, alice.token, wsId, carol.id, 'collaborator')
  }, 30_000)
  afterEach(() => e.pool.closeAll())
  afterAll(() => stopEnv(e))

  const P = (sid: string, user = '') => `/api/v1/claude/sessions/${sid}/participants${user ? `/${user}` : ''}`

  test('a session owner cannot demote or remove the workspace owner (403); she keeps owner rights', async () => {
    const sid = await createSession(e.s, wsId, bob.id)
    const demote = await e.s.api(P(sid, alice.id), { method: 'PATCH', token: bob.token, body: { role: 'viewer' } })
    expect(demote.status).toBe(403)
    const body = await json(demote)
    expect(body.code).toBe('FORBIDDEN')
    expect(body.message).toContain('keeps the owner role')
    expect((await e.s.api(P(sid), { token: bob.token, body: { user_id: alice.id, role: 'viewer' } })).status).toBe(403)
    expect((await e.s.api(P(sid, alice.id), { method: 'DELETE', token: bob.token })).status).toBe(403)
    const ws = await socket(e, bob.token)
    const reply = await ws.request({
      type: 'change_role',
      session_id: sid,
      data: { user_id: alice.id, role: 'viewer' },
    })
    expect(reply.data.code).toBe('FORBIDDEN')

    // a participant row written some other way (e.g. before this fix) does not lower her either
    await e.s.services.store.sessions.putParticipant({
      session_id: sid,
      user_id: alice.id,
      role: 'viewer',
      created_at: Date.now(),
    })
    expect((await json(await e.s.api(`/api/v1/claude/sessions/${sid}`, { token: alice.token }))).role).toBe('owner')
    const list = await json(await e.s.api(P(sid), { token: alice.token }))
    expect(list.participants.find((p: any) => p.user_id === alice.id).role).toBe('owner')
    // and she still manages the session: handing it to carol needs the owner role
    const handed = await e.s.api(P(sid, carol.id), { method: 'PATCH', token: alice.token, body: { role: 'owner' } })
    expect(handed.status).toBe(200)
  })

  test('admins cannot be demoted on a session, and members not below their workspace role', async () => {
    const sid = await createSession(e.s, wsId, bob.id)
    const admin = await e.s.api(P(sid, e.adminId), { method: 'PATCH', token: bob.token, body: { role: 'viewer' } })
    expect(admin.status).toBe(403)
    const carolDown = await e.s.api(P(sid, carol.id), { method: 'PATCH', token: bob.token, body: { role: 'viewer' } })
    expect(carolDown.status).toBe(403)
    expect((await json(carolDown)).message).toContain("workspace's members")
    expect((await json(await e.s.api(`/api/v1/claude/sessions/${sid}`, { token: carol.token }))).role).toBe(
      'collaborator',
    )
  })
})

describe('importing a terminal session', () => {
  let e: Env
  afterAll(() => stopEnv(e))

  test('a workspace viewer is refused (403); a collaborator may import', async () => {
    e = await startEnv({ cli: 'fake' })
    const [viewer, collab] = [await e.s.createUser(e.admin, 'viewer'), await e.s.createUser(e.admin, 'collab')]
    await member(e, e.admin, e.workspaceId, viewer.id, 'viewer')
    await member(e, e.admin, e.workspaceId, collab.id, 'collaborator')
    // in the collaborator's own CLI home, where the server looks for their terminal sessions
    const dir = join(homeOf(e.s.dataDir, collab.id), '.claude', 'projects', projectDirName(e.workspacePath))
    mkdirSync(dir, { recursive: true })
    const cliId = crypto.randomUUID()
    writeFileSync(
      join(dir, `${cliId}.jsonl`),
      JSON.stringify({ type: 'user', message: { role: 'user', content: 'hello' } }) + '\n',
    )

    const refused = await e.s.api('/api/v1/claude/sessions/import', {
      token: viewer.token,
      body: { workspace_id: e.workspaceId, cli_session_id: cliId },
    })
    expect(refused.status).toBe(403)
    const body = await json(refused)
    expect(body.code).toBe('FORBIDDEN')
    expect(body.message).toContain('collaborator')
    const ok = await e.s.api('/api/v1/claude/sessions/import', {
      token: collab.token,
      body: { workspace_id: e.workspaceId, cli_session_id: cliId },
    })
    expect(ok.status).toBe(201)
  }, 30_000)
})

describe('deleting a user', () => {
  let e: Env
  afterAll(() => stopEnv(e))

  test('keeps what others share (handed to the admin), deletes what was theirs alone, bytes and CLI home included', async () => {
    e = await startEnv({ ...HANG, config: { claudeMaxConcurrent: 4, claudeMaxPerUser: 2 } })
    const [alice, bob] = [await e.s.createUser(e.admin, 'alice'), await e.s.createUser(e.admin, 'bob')]
    const store = e.s.services.store
    // alice's workspace where bob works; bob's workspace where alice works; bob's own workspace
    const wa = await createWorkspace(e.s, alice.token, 'alice-ws')
    await member(e, alice.token, wa.id, bob.id, 'collaborator')
    const wb = await createWorkspace(e.s, bob.token, 'bob-shared')
    await member(e, bob.token, wb.id, alice.id, 'collaborator')
    const solo = await createWorkspace(e.s, bob.token, 'bob-solo')

    // bob's running session in alice's workspace, where alice prompts (queued behind him) and uploads
    const bobRun = await execute(e, { workspace_id: wa.id, prompt: 'bob works' }, bob.token)
    await waitStatus(e, bobRun.execution_id, ['running'])
    const bobPid = await pidOf(e, bobRun.execution_id)
    const aliceQueued = await execute(
      e,
      { workspace_id: wa.id, session_id: bobRun.session_id, prompt: 'alice follows up' },
      alice.token,
    )
    const aliceFile = await uploadOk(e.s, alice.token, { session_id: bobRun.session_id }, 'alice.txt', 'alice data')
    const bobShared = await uploadOk(
      e.s,
      bob.token,
      { session_id: bobRun.session_id },
      'bob-shared.txt',
      'bob shared data',
    )
    // alice's running session in bob's workspace
    const aliceRun = await execute(e, { workspace_id: wb.id, prompt: 'alice works' }, alice.token)
    await waitStatus(e, aliceRun.execution_id, ['running'])
    // bob's own workspace, with a session and an upload
    const soloSession = await createSession(e.s, solo.id, bob.id)
    const bobOwn = await uploadOk(e.s, bob.token, { workspace_id: solo.id }, 'bob-own.txt', 'bob private data')
    const bobOwnPath = join(solo.path, bobOwn.path)
    expect(existsSync(bobOwnPath)).toBe(true)
    const home = join(e.s.dataDir, 'homes', bob.id)
    mkdirSync(join(home, '.claude'), { recursive: true })
    // the conversation of the session that changes hands is in bob's CLI home (its owner's): it must move, not go
    const cliId = (await store.sessions.byId(bobRun.session_id))?.cli_session_id ?? crypto.randomUUID()
    await store.sessions.update(bobRun.session_id, { cli_session_id: cliId })
    const project = join('.claude', 'projects', projectDirName(wb.path))
    mkdirSync(join(home, project), { recursive: true })
    writeFileSync(join(home, project, `${cliId}.jsonl`), '{"type":"user"}\n')

    const res = await e.s.api(`/api/v1/users/${bob.id}`, { method: 'DELETE', token: e.admin })
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body).toMatchObject({
      ok: true,
      cancelled_executions: 1,
      transferred_to: e.adminId,
      transferred: { workspaces: [wb.id], sessions: [bobRun.session_id], files: 1 },
      deleted: { workspaces: [solo.id], sessions: 1, files: 1 },
    })

    // bob's run was cancelled and its CLI is gone; alice's runs go on
    const cancelled = await waitStatus(e, bobRun.execution_id, ['cancelled'])
    expect(cancelled.error).toContain('bob was deleted')
    await waitFor(() => !alive(bobPid), 10_000, "bob's CLI to exit")
    expect((await waitStatus(e, aliceQueued.execution_id, ['running'])).user_id).toBe(alice.id)
    expect(readFileSync(join(e.s.dataDir, 'homes', e.adminId, project, `${cliId}.jsonl`), 'utf8')).toBe(
      '{"type":"user"}\n',
    )
    expect((await waitStatus(e, aliceRun.execution_id, ['running'])).user_id).toBe(alice.id)
    // the shared session and workspace now belong to the admin; alice keeps her access, files and bytes
    const session = await json(await e.s.api(`/api/v1/claude/sessions/${bobRun.session_id}`, { token: alice.token }))
    expect(session).toMatchObject({ owner_id: e.adminId, role: 'owner' })
    expect((await json(await e.s.api(`/api/v1/workspaces/${wb.id}`, { token: alice.token }))).owner_id).toBe(e.adminId)
    const download = await e.s.api(`/api/v1/files/${aliceFile.file_id}`, { token: alice.token })
    expect(download.status).toBe(200)
    expect(await download.text()).toBe('alice data')
    expect((await store.files.byId(bobShared.file_id))?.owner_id).toBe(e.adminId)
    // what was bob's alone is gone, bytes and CLI home included
    expect(await store.workspaces.byId(solo.id)).toBeNull()
    expect(await store.sessions.byId(soloSession)).toBeNull()
    expect(await store.files.byId(bobOwn.file_id)).toBeNull()
    expect(existsSync(bobOwnPath)).toBe(false)
    expect(existsSync(solo.path)).toBe(false)
    expect(existsSync(home)).toBe(false)
    expect(await store.users.byId(bob.id)).toBeNull()
  }, 60_000)
})

describe('deleting a workspace with a run inside', () => {
  let e: Env | undefined
  afterEach(async () => {
    await stopEnv(e)
    e = undefined
  })

  async function deleteWhileRunning(env: Env) {
    const ws = await createWorkspace(env.s, env.admin, 'busy')
    const ex = await execute(env, { workspace_id: ws.id, prompt: 'work for ever' })
    const c = await watch(env, ex.websocket_url)
    await waitStatus(env, ex.execution_id, ['running'])
    const pid = await pidOf(env, ex.execution_id)
    expect(alive(pid)).toBe(true)

    const res = await env.s.api(`/api/v1/workspaces/${ws.id}`, { method: 'DELETE', token: env.admin })
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ ok: true, cancelled_executions: 1 })
    const final = await untilTerminal(c, ex.execution_id, 5000)
    expect(final.data.status).toBe('cancelled')
    expect(final.data.error).toContain('Workspace busy was deleted by admin')
    // the response waited for the process: it is gone already
    expect(alive(pid)).toBe(false)
    expect((await env.s.api(`/api/v1/claude/executions/${ex.execution_id}`, { token: env.admin })).status).toBe(404)
  }

  test('fake CLI: the run ends cancelled, its CLI process is gone, the response counts it', async () => {
    e = await startEnv(HANG)
    await deleteWhileRunning(e)
  }, 30_000)

  test.skipIf(!requireRealCli('ownership (real CLI)'))(
    'real CLI: the same with a turn stalled at the API',
    async () => {
      e = await startEnv({ cli: 'real' })
      e.mock!.enqueue(reply.hang('thinking '))
      await deleteWhileRunning(e)
    },
    60_000,
  )
})
