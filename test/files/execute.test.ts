// Executions naming file_ids: Claude is told the uploads/ paths; the stored prompt stays as typed; bad ids are refused.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expectError } from '../foundation/helpers.ts'
import { RECORD, recordOf } from '../execution/helpers.ts'
import { startFilesEnv, uploadOk, type FilesEnv } from './helpers.ts'
import { waitFor } from '../support/wait.ts'

const FAKE_CLAUDE = resolve(import.meta.dir, '../support/fake-claude')
let e: FilesEnv
let dir: string
let record: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cchub-files-exec-'))
  e = await startFilesEnv(
    { claudeBin: FAKE_CLAUDE, claudeEnvAllowList: ['FAKE_CLAUDE_MODE', 'FAKE_CLAUDE_RECORD'] },
    { PATH: process.env.PATH, HOME: dir, FAKE_CLAUDE_MODE: 'replay', FAKE_CLAUDE_RECORD: RECORD },
  )
  record = recordOf(e.workspacePath)
})
afterAll(async () => {
  await e.s.close()
  rmSync(dir, { recursive: true, force: true })
})

async function waitDone(id: string, token: string): Promise<any> {
  let x: any
  await waitFor(
    async () =>
      !['queued', 'running'].includes(
        (x = await (await e.s.api(`/api/v1/claude/executions/${id}`, { token })).json()).status,
      ),
    10_000,
    'the execution to finish',
  )
  return x
}

test('file_ids are listed to Claude before the prompt; the execution keeps the prompt as typed and records the ids', async () => {
  const a = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, 'data set.csv', 'a,b\n1,2\n')
  const b = await uploadOk(e.s, e.owner.token, { workspace_id: e.workspaceId }, 'spec.md', '# spec')
  const prompt = 'Summarise the attached files'
  // a session participant who is not a workspace member cannot see workspace-level files
  await expectError(
    await e.s.api('/api/v1/claude/execute', {
      token: e.collaborator.token,
      body: { workspace_id: e.workspaceId, session_id: e.sessionId, prompt, file_ids: [b.file_id] },
    }),
    404,
    'NOT_FOUND',
  )
  const res = await e.s.api('/api/v1/claude/execute', {
    token: e.owner.token,
    body: { workspace_id: e.workspaceId, session_id: e.sessionId, prompt, file_ids: [a.file_id, b.file_id] },
  })
  expect(res.status).toBe(202)
  const { execution_id } = await res.json()
  const x = await waitDone(execution_id, e.owner.token)
  expect(x.prompt).toBe(prompt)
  expect(x.options.file_ids).toEqual([a.file_id, b.file_id])
  const lines = readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  const stdin = lines.filter((l) => l.event === 'stdin').map((l) => JSON.parse(l.line).message.content)
  const text = stdin.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))).find((t) => t.includes(prompt))!
  expect(text).toContain('uploads/data set.csv')
  expect(text).toContain('uploads/spec.md')
  expect(text.indexOf('uploads/spec.md')).toBeLessThan(text.indexOf(prompt))
  const start = lines.find((l) => l.event === 'start')
  expect(readFileSync(join(start.cwd, 'uploads', 'data set.csv'), 'utf8')).toBe('a,b\n1,2\n')
})

test('unknown, unreadable or other-workspace file_ids are refused before anything runs', async () => {
  const body = (file_ids: string[]) => ({ workspace_id: e.workspaceId, session_id: e.sessionId, prompt: 'x', file_ids })
  await expectError(
    await e.s.api('/api/v1/claude/execute', { token: e.collaborator.token, body: body(['no-such-file']) }),
    404,
    'NOT_FOUND',
  )
  const otherWs = (await (
    await e.s.api('/api/v1/workspaces', { token: e.collaborator.token, body: { name: 'mine' } })
  ).json()) as { id: string }
  const elsewhere = await uploadOk(e.s, e.collaborator.token, { workspace_id: otherWs.id }, 'elsewhere.txt', 'x')
  await expectError(
    await e.s.api('/api/v1/claude/execute', { token: e.collaborator.token, body: body([elsewhere.file_id]) }),
    422,
    'VALIDATION_FAILED',
  )
  // the owner cannot attach the collaborator's private workspace file either
  await expectError(
    await e.s.api('/api/v1/claude/execute', { token: e.owner.token, body: body([elsewhere.file_id]) }),
    404,
    'NOT_FOUND',
  )
  const list = await (
    await e.s.api(`/api/v1/claude/executions?session_id=${e.sessionId}`, { token: e.owner.token })
  ).json()
  expect(list.executions.every((x: any) => x.prompt !== 'x')).toBe(true)
})
