// Tool allow-list: entries parsed as the CLI does (no smuggling past the cap), per-role default, REST and WebSocket.
import { afterEach, describe, expect, test } from 'bun:test'
import { requireRealCli } from '../support/real-cli.ts'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../../src/config/schema.ts'
import { reply } from '../support/mock-anthropic.ts'
import { addMember, RECORD, recordOf, socket, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

/**
 * A server on the fake CLI that records every CLI start (argv) in `record` (in the workspace: the sandbox's /tmp is
 * private).
 */
async function fakeEnv(config: Partial<Config> = {}): Promise<{ record: string }> {
  e = await startEnv({
    cli: 'fake',
    config,
    env: { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '1', FAKE_CLAUDE_RECORD: RECORD },
  })
  return { record: recordOf(e.workspacePath) }
}

function allowedToolsArgv(record: string): string[][] {
  if (!existsSync(record)) return []
  return readFileSync(record, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.event === 'start')
    .map((r) => (r.argv.includes('--allowedTools') ? r.argv.slice(r.argv.indexOf('--allowedTools') + 1) : []))
}

async function post(body: Record<string, unknown>, token = e!.admin): Promise<{ status: number; body: any }> {
  const res = await e!.s.api('/api/v1/claude/execute', {
    token,
    body: { workspace_id: e!.workspaceId, prompt: 'x', ...body },
  })
  return { status: res.status, body: await res.json() }
}

/** Executes over the WebSocket `command` message; resolves with the reply frame. */
async function wsExecute(data: Record<string, unknown>, token = e!.admin) {
  const c = await socket(e!, token)
  return c.request(
    { type: 'command', data: { action: 'execute', workspace_id: e!.workspaceId, prompt: 'x', ...data } },
    5000,
  )
}

async function user(name = 'bob'): Promise<string> {
  const u = await e!.s.createUser(e!.admin, name)
  await addMember(e!, u.id, 'collaborator')
  return u.token
}

const policy = (token: string, body?: unknown) =>
  e!.s.api('/api/v1/admin/tool-policy', { token, ...(body ? { method: 'PUT', body } : {}) })

// The bypasses: each entry hides Bash (or a Bash rule) past a cap of Read,Write,Edit.
const SMUGGLED: [string[], number, string][] = [
  [['Read(x),Bash'], 403, 'FORBIDDEN'],
  [['Read(x) Bash'], 403, 'FORBIDDEN'],
  [['Read, Bash'], 403, 'FORBIDDEN'],
  [['Bash(git diff:*)'], 403, 'FORBIDDEN'],
  [['Bash(*)'], 403, 'FORBIDDEN'],
  [['Read', 'Edit Bash()'], 403, 'FORBIDDEN'],
  [['Read(x)\tBash'], 422, 'VALIDATION_FAILED'],
  [['Read(x)Bash'], 422, 'VALIDATION_FAILED'],
  [['Read(a(b) c),Bash'], 422, 'VALIDATION_FAILED'],
  [['Read(x\\),Bash'], 422, 'VALIDATION_FAILED'],
  [['Read(x'], 422, 'VALIDATION_FAILED'],
]

describe('the server-wide cap (CCHUB_CLAUDE_ALLOWED_TOOLS) checks every rule the CLI would read', () => {
  test('smuggled tools are refused over REST (403 naming the rule, 422 when ambiguous); nothing runs', async () => {
    const { record } = await fakeEnv({ claudeAllowedTools: ['Read', 'Write', 'Edit'] })
    for (const [tools, status, code] of SMUGGLED) {
      const r = await post({ tools })
      expect({ tools, status: r.status, code: r.body.code }).toEqual({ tools, status, code })
      expect(r.body.message).toContain(JSON.stringify(tools.at(-1)).slice(1, 5))
      if (status === 403) expect(r.body.details).toMatchObject({ tool: 'Bash', source: 'server' })
    }
    expect((await post({ tools: ['Read(x) Bash'] })).body.message).toBe(
      'Tool Bash (from the entry "Read(x) Bash") is not allowed by the server\'s allow-list (CCHUB_CLAUDE_ALLOWED_TOOLS)',
    )
    expect((await (await e!.s.api('/api/v1/claude/executions', { token: e!.admin })).json()).total).toBe(0)
    expect(allowedToolsArgv(record)).toEqual([])
  }, 30_000)

  test('the same entries are refused over the WebSocket execute command', async () => {
    await fakeEnv({ claudeAllowedTools: ['Read', 'Write', 'Edit'] })
    for (const [tools, , code] of SMUGGLED) {
      const r = await wsExecute({ tools })
      expect({ tools, type: r.type, code: r.data.code }).toEqual({ tools, type: 'error', code })
    }
    expect((await (await e!.s.api('/api/v1/claude/executions', { token: e!.admin })).json()).total).toBe(0)
  }, 30_000)

  test('legitimate rules pass and reach the CLI as separate argv entries, exactly as checked', async () => {
    const { record } = await fakeEnv({ claudeAllowedTools: ['Read', 'Write', 'Edit', 'Bash(git diff:*)'] })
    const ok = await post({ tools: ['Read(src/**),Edit', 'Bash(git diff:*) Write'] })
    expect(ok.status).toBe(202)
    await waitStatus(e!, ok.body.execution_id, ['completed'], 10_000)
    expect(allowedToolsArgv(record)).toEqual([['Read(src/**)', 'Edit', 'Bash(git diff:*)', 'Write']])
    const got = await (await e!.s.api(`/api/v1/claude/executions/${ok.body.execution_id}`, { token: e!.admin })).json()
    expect(got.options.tools).toEqual(['Read(src/**)', 'Edit', 'Bash(git diff:*)', 'Write'])
  }, 30_000)
})

describe('the per-role default (admin-managed)', () => {
  test('a non-admin gets the safe default: read and edit tools, not Bash/WebFetch/MCP, not auto/bypassPermissions', async () => {
    await fakeEnv({ claudeAllowBypassPermissions: true })
    const bob = await user()
    for (const tools of [['Read', 'Edit'], ['Write,MultiEdit Grep'], ['Read(src/**)']]) {
      const r = await post({ tools }, bob)
      expect({ tools, status: r.status }).toEqual({ tools, status: 202 })
      await waitStatus(e!, r.body.execution_id, ['completed'], 10_000)
    }
    for (const tools of [
      ['Bash'],
      ['Read(x),Bash'],
      ['Read(x) Bash'],
      ['WebFetch'],
      ['WebSearch'],
      ['mcp__github'],
      ['Task'],
    ]) {
      const r = await post({ tools }, bob)
      expect({ tools, status: r.status, code: r.body.code, source: r.body.details?.source }).toEqual({
        tools,
        status: 403,
        code: 'FORBIDDEN',
        source: 'role',
      })
      expect(r.body.message).toContain('/api/v1/admin/tool-policy')
    }
    const ws = await wsExecute({ tools: ['Read(x) Bash'] }, bob)
    expect(ws).toMatchObject({ type: 'error', data: { code: 'FORBIDDEN', details: { tool: 'Bash', source: 'role' } } })
    for (const permission_mode of ['auto', 'bypassPermissions']) {
      expect((await post({ permission_mode }, bob)).body).toMatchObject({
        code: 'FORBIDDEN',
        details: { permission_mode, source: 'role' },
      })
      expect((await wsExecute({ permission_mode }, bob)).data.code).toBe('FORBIDDEN')
    }
    expect((await post({ permission_mode: 'acceptEdits' }, bob)).status).toBe(202)
    // admins: anything the (here empty) cap allows
    expect((await post({ tools: ['Bash', 'WebFetch'] })).status).toBe(202)
  }, 60_000)

  test('an admin reads and changes the policy; a non-admin cannot; the change applies to the next execute and survives a restart', async () => {
    await fakeEnv({ claudeAllowedTools: ['Read', 'Edit', 'Write', 'Bash'] })
    const bob = await user()
    for (const r of [
      await policy(bob),
      await policy(bob, { user_tools: ['Bash'], user_permission_modes: ['default'] }),
    ]) {
      expect(r.status).toBe(403)
      expect((await r.json()).code).toBe('FORBIDDEN')
    }
    const initial = await (await policy(e!.admin)).json()
    expect(initial).toMatchObject({
      is_default: true,
      server_allowed_tools: ['Read', 'Edit', 'Write', 'Bash'],
      updated_by: null,
    })
    expect(initial.user_tools).toContain('Read')
    expect(initial.user_tools).toContain('Edit')
    expect(initial.user_tools).not.toContain('Bash')
    expect((await post({ tools: ['Bash(git diff:*)'] }, bob)).status).toBe(403)

    const put = await policy(e!.admin, { user_tools: ['Read Bash(git diff:*)'], user_permission_modes: ['default'] })
    expect(put.status).toBe(200)
    expect(await put.json()).toMatchObject({
      is_default: false,
      user_tools: ['Read', 'Bash(git diff:*)'],
      user_permission_modes: ['default'],
      updated_by: e!.adminId,
    })
    expect((await post({ tools: ['Bash(git diff:*)'] }, bob)).status).toBe(202)
    expect((await wsExecute({ tools: ['Bash(git diff:*)'] }, bob)).type).toBe('success')
    expect((await post({ tools: ['Bash'] }, bob)).status).toBe(403)
    expect((await post({ tools: ['Edit'] }, bob)).status).toBe(403)
    expect((await post({ permission_mode: 'acceptEdits' }, bob)).status).toBe(403)

    // ambiguous entries and tools beyond the server cap are refused, naming them
    const bad = await policy(e!.admin, { user_tools: ['Read(x)\tBash'], user_permission_modes: ['default'] })
    expect(bad.status).toBe(422)
    expect((await bad.json()).code).toBe('VALIDATION_FAILED')
    const beyond = await (
      await policy(e!.admin, { user_tools: ['Read,WebFetch'], user_permission_modes: ['default'] })
    ).json()
    expect(beyond).toMatchObject({ code: 'VALIDATION_FAILED', details: { tools: ['WebFetch'] } })

    const dataDir = e!.s.dataDir
    await stopEnv(e, { keepData: true })
    e = await startEnv({
      cli: 'fake',
      dataDir,
      config: { claudeAllowedTools: ['Read', 'Edit', 'Write', 'Bash'] },
      env: { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '1' },
    })
    expect(await (await policy(e.admin)).json()).toMatchObject({
      is_default: false,
      user_tools: ['Read', 'Bash(git diff:*)'],
    })
  }, 60_000)
})

describe.skipIf(!requireRealCli('tool-policy (real CLI)'))('real CLI', () => {
  test('a tool smuggled the old way no longer runs: refused up front, and the CLI only gets the parsed rules', async () => {
    e = await startEnv({ cli: 'real', config: { claudeAllowedTools: ['Read', 'Write', 'Edit'] } })
    const target = join(e.workspacePath, 'made-by-bash')
    e.mock!.enqueue(
      reply.toolUse('Bash', { command: `touch ${target}`, description: 'touch' }, { id: 'toolu_smuggled' }),
    )
    const bob = await user()
    // before the fix these reached the CLI, which split them and ran Bash (see docs/claude-cli.md)
    expect((await post({ tools: ['Read(x),Bash'] })).status).toBe(403)
    expect((await post({ tools: ['Read(x) Bash'] }, bob)).status).toBe(403)
    expect(e.mock!.requests).toHaveLength(0)

    const ok = await post({ tools: ['Read(x),Edit'] })
    expect(ok.status).toBe(202)
    const done = await waitStatus(e, ok.body.execution_id, ['completed', 'failed'], 30_000)
    expect(done.status).toBe('completed')
    expect(existsSync(target)).toBe(false)
    expect(done.permission_denials).toEqual([
      expect.objectContaining({ tool_name: 'Bash', tool_use_id: 'toolu_smuggled' }),
    ])
  }, 60_000)
})
