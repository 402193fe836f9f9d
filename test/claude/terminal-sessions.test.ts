// Terminal-started sessions: listed per workspace from ~/.claude/projects, imported once, resumed with --resume.
import { afterEach, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectDirName } from '../../src/modules/claude/terminal-sessions.ts'
import { startTestServer, type TestServer } from '../support/server.ts'
import { waitFor } from '../support/wait.ts'

const FAKE = join(import.meta.dir, '../support/fake-claude')
let server: TestServer | undefined
let home = ''
afterEach(async () => {
  await server?.close()
  server = undefined
  rmSync(home, { recursive: true, force: true })
})

async function setup() {
  home = mkdtempSync(join(tmpdir(), 'cchub-home-'))
  const record = join(home, 'record.jsonl')
  server = await startTestServer({ claudeBin: FAKE, claudeEnvAllowList: ['FAKE_CLAUDE_MODE', 'FAKE_CLAUDE_RECORD'] }, undefined, { PATH: process.env.PATH, HOME: home, FAKE_CLAUDE_MODE: 'replay', FAKE_CLAUDE_RECORD: record })
  const token = await server.login()
  const ws = (await (await server.api('/api/v1/workspaces', { token, body: { name: 'w' } })).json()) as { id: string; path: string }
  return { token, ws, record }
}

test('lists terminal sessions of the workspace, imports one once, and resumes it', async () => {
  const { token, ws, record } = await setup()
  const cliId = crypto.randomUUID()
  const dir = join(home, '.claude', 'projects', projectDirName(ws.path))
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${cliId}.jsonl`), [
    JSON.stringify({ type: 'summary', summary: 'x' }),
    'not json',
    JSON.stringify({ type: 'user', message: { role: 'user', content: 'fix the flaky test' } }),
  ].join('\n') + '\n')
  writeFileSync(join(dir, 'notes.txt'), 'ignored')

  const list = (await (await server!.api(`/api/v1/claude/terminal-sessions?workspace_id=${ws.id}`, { token })).json()) as { sessions: { cli_session_id: string; first_prompt: string; imported_session_id: string | null }[] }
  expect(list.sessions).toHaveLength(1)
  expect(list.sessions[0]).toMatchObject({ cli_session_id: cliId, first_prompt: 'fix the flaky test', imported_session_id: null })

  const imported = await server!.api('/api/v1/claude/sessions/import', { token, body: { workspace_id: ws.id, cli_session_id: cliId } })
  expect(imported.status).toBe(201)
  const session = (await imported.json()) as { id: string; cli_session_id: string; title: string }
  expect(session).toMatchObject({ cli_session_id: cliId, title: 'fix the flaky test' })
  const again = await server!.api('/api/v1/claude/sessions/import', { token, body: { workspace_id: ws.id, cli_session_id: cliId } })
  expect(again.status).toBe(409)
  expect(((await again.json()) as { code: string }).code).toBe('CONFLICT')

  const exec = (await (await server!.api('/api/v1/claude/execute', { token, body: { workspace_id: ws.id, session_id: session.id, prompt: 'continue' } })).json()) as { execution_id: string }
  await waitFor(async () => {
    const e = (await (await server!.api(`/api/v1/claude/executions/${exec.execution_id}`, { token })).json()) as { status: string }
    return e.status !== 'queued' && e.status !== 'running'
  }, 10_000, 'the execution to finish')
  const argv = readFileSync(record, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { argv?: string[] }).find((r) => r.argv)?.argv ?? []
  expect(argv.join(' ')).toContain(`--resume ${cliId}`)
})

test('unknown ids and other users are refused without leaking', async () => {
  const { token, ws } = await setup()
  const missing = await server!.api('/api/v1/claude/sessions/import', { token, body: { workspace_id: ws.id, cli_session_id: crypto.randomUUID() } })
  expect(missing.status).toBe(404)
  const other = await server!.createUser(token, 'mallory')
  const res = await server!.api(`/api/v1/claude/terminal-sessions?workspace_id=${ws.id}`, { token: other.token })
  expect(res.status).toBe(404)
  expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND')
})
