// The bubblewrap sandbox with REAL CLI + mock API: a non-admin's tools are confined; work in the workspace succeeds.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectDirName } from '../../src/modules/claude/cli/home.ts'
import { reply, type MockReply } from '../support/mock-anthropic.ts'
import {
  cliEvents,
  createWorkspace,
  execute,
  startEnv,
  stopEnv,
  untilTerminal,
  watch,
  type Env,
} from '../execution/helpers.ts'

// Out of reach: the data directory, other workspaces, paths outside the workspace and the server's environment.

const CANARY = `canary-${crypto.randomUUID()}`
let e: Env
let bob: { id: string; token: string }
let bobWs: { id: string; path: string }
let secret: string

beforeAll(async () => {
  // no configured jwtSecret: the server keeps its generated secret in <data>/jwt-secret, the file the attack reads
  e = await startEnv({
    cli: 'real',
    config: { jwtSecret: undefined, claudeAllowBypassPermissions: true },
    env: { SERVER_ONLY_SECRET: CANARY },
  })
  expect(e.s.sandbox).toEqual({ mode: 'bwrap' })
  secret = readFileSync(join(e.s.dataDir, 'jwt-secret'), 'utf8').trim()
  // the admin lets users run what the sandbox is there to contain (the default tool policy keeps Bash for admins)
  const policy = {
    user_tools: ['Bash', 'Write', 'Edit'],
    user_permission_modes: ['default', 'acceptEdits', 'bypassPermissions'],
  }
  expect((await e.s.api('/api/v1/admin/tool-policy', { token: e.admin, method: 'PUT', body: policy })).status).toBe(200)
  bob = await e.s.createUser(e.admin, 'bob')
  bobWs = await createWorkspace(e.s, bob.token, 'bobs')
  writeFileSync(join(e.workspacePath, 'private.txt'), 'admin only\n')
}, 30_000)
afterAll(() => stopEnv(e))

/**
 * Runs one execution for bob that makes the given tool calls in order; returns each tool_result by id and all events.
 */
async function bobRuns(
  calls: [id: string, name: string, input: Record<string, unknown>][],
  body: Record<string, unknown>,
) {
  e.mock!.enqueue(...calls.map(([id, name, input]): MockReply => reply.toolUse(name, input, { id })))
  const ex = await execute(e, { workspace_id: bobWs.id, prompt: 'do it', ...body }, bob.token)
  const c = await watch(e, ex.websocket_url, bob.token)
  const final = await untilTerminal(c, ex.execution_id, 30_000)
  const events = cliEvents(c.channelMessages(`task:${ex.execution_id}`))
  const results = new Map<string, { content: string; is_error: boolean }>()
  for (const ev of events.filter((x) => x.type === 'user' && Array.isArray(x.message?.content))) {
    for (const b of ev.message.content)
      if (b.type === 'tool_result')
        results.set(b.tool_use_id, { content: JSON.stringify(b.content), is_error: b.is_error === true })
  }
  return { final, results, all: JSON.stringify(c.channelMessages(`task:${ex.execution_id}`)) }
}

describe('a non-admin with tools, inside the sandbox', () => {
  test('Bash cannot read <data>/jwt-secret, list the data dir or list another workspace; the secret appears in no event', async () => {
    const { final, results, all } = await bobRuns(
      [
        ['toolu_secret', 'Bash', { command: `cat ${join(e.s.dataDir, 'jwt-secret')}` }],
        ['toolu_data', 'Bash', { command: `ls -a ${e.s.dataDir}` }],
        ['toolu_other', 'Bash', { command: `ls ${e.workspacePath}` }],
      ],
      { tools: ['Bash'] },
    )
    expect(final.data.status).toBe('completed')
    expect(results.get('toolu_secret')).toMatchObject({ is_error: true })
    expect(results.get('toolu_secret')!.content).toContain('No such file')
    // only the mount points of bob's own home and workspace: no database, no secret, no uploads
    expect(results.get('toolu_data')!.content).not.toContain('cchub.db')
    expect(results.get('toolu_data')!.content).not.toContain('jwt-secret')
    expect(results.get('toolu_other')).toMatchObject({ is_error: true })
    expect(results.get('toolu_other')!.content).toContain('No such file')
    expect(all).not.toContain(secret)
    expect(all).not.toContain('private.txt')
  }, 60_000)

  test('writes outside the workspace fail even with bypassPermissions (Write into another workspace, Bash into the data dir)', async () => {
    const intoOther = join(e.workspacePath, 'pwned.txt')
    const intoData = join(e.s.dataDir, 'pwned')
    const { results } = await bobRuns(
      [
        ['toolu_w', 'Write', { file_path: intoOther, content: 'x' }],
        ['toolu_b', 'Bash', { command: `echo x > ${intoData}` }],
      ],
      { tools: ['Bash', 'Write'], permission_mode: 'bypassPermissions' },
    )
    expect(results.get('toolu_w')).toMatchObject({ is_error: true })
    expect(results.get('toolu_b')).toMatchObject({ is_error: true })
    expect(existsSync(intoOther)).toBe(false)
    expect(existsSync(intoData)).toBe(false)
  }, 60_000)

  test('the server environment and process table are not visible: Bash env and /proc/<server pid>', async () => {
    const { results, all } = await bobRuns(
      [
        ['toolu_env', 'Bash', { command: 'env' }],
        ['toolu_proc', 'Bash', { command: `cat /proc/${process.pid}/environ` }],
        ['toolu_id', 'Bash', { command: 'id -u' }],
      ],
      { tools: ['Bash'] },
    )
    expect(results.get('toolu_env')!.content).toContain('HOME=')
    expect(all).not.toContain(CANARY)
    expect(results.get('toolu_proc')).toMatchObject({ is_error: true })
    // not root inside
    expect(results.get('toolu_id')!.content).toContain('1000')
  }, 60_000)

  test("of the CLI home only this workspace's transcripts show: the owner's conversations elsewhere do not", async () => {
    // what a collaborator prompting in bob's session would otherwise read: bob's transcript of another workspace
    const elsewhere = join(e.s.dataDir, 'homes', bob.id, '.claude', 'projects', '-somewhere-else')
    mkdirSync(elsewhere, { recursive: true })
    writeFileSync(join(elsewhere, `${crypto.randomUUID()}.jsonl`), `{"secret":"${CANARY}"}\n`)
    const { final, results, all } = await bobRuns(
      [['toolu_home', 'Bash', { command: 'ls -a "$HOME/.claude/projects"; cat "$HOME"/.claude/projects/*/*.jsonl' }]],
      { tools: ['Bash'] },
    )
    expect(final.data.status).toBe('completed')
    expect(results.get('toolu_home')!.content).not.toContain('somewhere-else')
    expect(all).not.toContain(CANARY)
  }, 60_000)

  test("normal work inside the workspace succeeds: Write, Edit, Bash ls; the transcript is kept in the owner's home", async () => {
    const file = join(bobWs.path, 'notes', 'todo.txt')
    const { final, results } = await bobRuns(
      [
        ['toolu_write', 'Write', { file_path: file, content: 'one\ntwo\n' }],
        ['toolu_edit', 'Edit', { file_path: file, old_string: 'two', new_string: 'three' }],
        ['toolu_ls', 'Bash', { command: 'ls notes && pwd' }],
      ],
      { tools: ['Bash', 'Write', 'Edit'], permission_mode: 'acceptEdits' },
    )
    expect(final.data.status).toBe('completed')
    for (const id of ['toolu_write', 'toolu_edit', 'toolu_ls']) expect(results.get(id)?.is_error).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe('one\nthree\n')
    expect(results.get('toolu_ls')!.content).toContain('todo.txt')
    expect(results.get('toolu_ls')!.content).toContain(bobWs.path)
    const projects = join(e.s.dataDir, 'homes', bob.id, '.claude', 'projects', projectDirName(bobWs.path))
    expect(readdirSync(projects).some((f) => f.endsWith('.jsonl'))).toBe(true)
  }, 60_000)
})
