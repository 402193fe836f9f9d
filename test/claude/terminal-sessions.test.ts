// Terminal-started sessions: listed per workspace from the caller's own CLI home, imported once, resumed with --resume.
import { afterEach, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectDirName } from '../../src/modules/claude/cli/home.ts'
import { RECORD, recordOf } from '../execution/helpers.ts'
import { startTestServer, type TestServer } from '../support/server.ts'
import { terminalTranscript } from '../support/terminal-transcript.ts'
import { waitFor } from '../support/wait.ts'

// The CLI home is <data>/homes/<user id>/.claude/projects. Another user never sees these sessions, even for a workspace
// whose path maps to the same folder.

const FAKE = join(import.meta.dir, '../support/fake-claude')
let server: TestServer | undefined
let home = ''
afterEach(async () => {
  await server?.close()
  server = undefined
  rmSync(home, { recursive: true, force: true })
})

async function setup(config: Record<string, unknown> = {}) {
  home = mkdtempSync(join(tmpdir(), 'cchub-home-'))
  server = await startTestServer(
    { claudeBin: FAKE, claudeEnvAllowList: ['FAKE_CLAUDE_MODE', 'FAKE_CLAUDE_RECORD'], ...config },
    undefined,
    { PATH: process.env.PATH, HOME: home, FAKE_CLAUDE_MODE: 'replay', FAKE_CLAUDE_RECORD: RECORD },
  )
  const token = await server.login()
  const ws = (await (await server.api('/api/v1/workspaces', { token, body: { name: 'w' } })).json()) as {
    id: string
    path: string
  }
  const adminId = ((await (await server.api('/api/v1/users/me', { token })).json()) as { id: string }).id
  return { token, ws, adminId }
}

const list = async (token: string, wsId: string) =>
  (
    (await (await server!.api(`/api/v1/claude/terminal-sessions?workspace_id=${wsId}`, { token })).json()) as {
      sessions: { cli_session_id: string; first_prompt: string; imported_session_id: string | null }[]
    }
  ).sessions

test("lists terminal sessions of the workspace from the caller's home, imports one once, and resumes it", async () => {
  const { token, ws, adminId } = await setup()
  const cliId = terminalTranscript(join(server!.dataDir, 'homes', adminId), ws.path, 'fix the flaky test')
  // the server user's own ~/.claude is not read any more
  terminalTranscript(home, ws.path, 'from the server user')

  const sessions = await list(token, ws.id)
  expect(sessions).toHaveLength(1)
  expect(sessions[0]).toMatchObject({
    cli_session_id: cliId,
    first_prompt: 'fix the flaky test',
    imported_session_id: null,
  })

  const imported = await server!.api('/api/v1/claude/sessions/import', {
    token,
    body: { workspace_id: ws.id, cli_session_id: cliId },
  })
  expect(imported.status).toBe(201)
  const session = (await imported.json()) as { id: string; cli_session_id: string; title: string }
  expect(session).toMatchObject({ cli_session_id: cliId, title: 'fix the flaky test' })
  const again = await server!.api('/api/v1/claude/sessions/import', {
    token,
    body: { workspace_id: ws.id, cli_session_id: cliId },
  })
  expect(again.status).toBe(409)
  expect(((await again.json()) as { code: string }).code).toBe('CONFLICT')

  const exec = (await (
    await server!.api('/api/v1/claude/execute', {
      token,
      body: { workspace_id: ws.id, session_id: session.id, prompt: 'continue' },
    })
  ).json()) as { execution_id: string }
  await waitFor(
    async () => {
      const e = (await (await server!.api(`/api/v1/claude/executions/${exec.execution_id}`, { token })).json()) as {
        status: string
      }
      return e.status !== 'queued' && e.status !== 'running'
    },
    10_000,
    'the execution to finish',
  )
  const start = readFileSync(recordOf(ws.path), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { argv?: string[]; env?: Record<string, string> })
    .find((r) => r.argv)
  expect(start?.argv?.join(' ')).toContain(`--resume ${cliId}`)
  // resumed in the home the transcript is in
  expect(start?.env?.HOME).toBe(join(server!.dataDir, 'homes', adminId))
})

test("two users whose workspaces map to the same project folder (/r/my-app, /r/my/app) never see each other's sessions", async () => {
  const root = mkdtempSync(join(tmpdir(), 'cchub-r-'))
  try {
    mkdirSync(join(root, 'my-app'))
    mkdirSync(join(root, 'my', 'app'), { recursive: true })
    expect(projectDirName(join(root, 'my-app'))).toBe(projectDirName(join(root, 'my', 'app')))
    const { token } = await setup({ workspaceRoots: [root] })
    const alice = await server!.createUser(token, 'alice')
    const bob = await server!.createUser(token, 'bob')
    const register = async (t: string, path: string) =>
      (await (await server!.api('/api/v1/workspaces', { token: t, body: { name: 'x', path } })).json()) as {
        id: string
        path: string
      }
    const aliceWs = await register(alice.token, join(root, 'my-app'))
    const bobWs = await register(bob.token, join(root, 'my', 'app'))
    const aliceId = terminalTranscript(join(server!.dataDir, 'homes', alice.id), aliceWs.path, 'alice private work')

    expect((await list(alice.token, aliceWs.id)).map((s) => s.cli_session_id)).toEqual([aliceId])
    expect(await list(bob.token, bobWs.id)).toEqual([])
    const stolen = await server!.api('/api/v1/claude/sessions/import', {
      token: bob.token,
      body: { workspace_id: bobWs.id, cli_session_id: aliceId },
    })
    expect(stolen.status).toBe(404)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('unknown ids and other users are refused without leaking', async () => {
  const { token, ws } = await setup()
  const missing = await server!.api('/api/v1/claude/sessions/import', {
    token,
    body: { workspace_id: ws.id, cli_session_id: crypto.randomUUID() },
  })
  expect(missing.status).toBe(404)
  const other = await server!.createUser(token, 'mallory')
  const res = await server!.api(`/api/v1/claude/terminal-sessions?workspace_id=${ws.id}`, { token: other.token })
  expect(res.status).toBe(404)
  expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND')
})
