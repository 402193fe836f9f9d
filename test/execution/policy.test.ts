// Permission policy and the CLI's env: tool allow-list, bypassPermissions opt-in, no server secrets in the CLI's env.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { testConfig } from '../support/server.ts'
import { RECORD, recordOf, startEnv, stopEnv, waitFor, waitStatus, type Env } from './helpers.ts'

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

async function post(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await e!.s.api('/api/v1/claude/execute', {
    token: e!.admin,
    body: { workspace_id: e!.workspaceId, ...body },
  })
  return { status: res.status, body: await res.json() }
}

function starts(file: string): any[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.event === 'start')
}

describe('policy', () => {
  test('tools outside claudeAllowedTools → 403 naming the tool; listed tools and rules of listed tools pass', async () => {
    e = await startEnv({
      cli: 'fake',
      config: { claudeAllowedTools: ['Bash', 'Read'] },
      env: { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '1' },
    })
    const denied = await post({ prompt: 'x', tools: ['Read', 'Write'] })
    expect(denied.status).toBe(403)
    expect(denied.body.code).toBe('FORBIDDEN')
    expect(denied.body.message).toContain('Write')
    expect((await post({ prompt: 'x', tools: ['WebFetch(domain:example.com)'] })).status).toBe(403)
    for (const tools of [['Bash'], ['Read', 'Bash'], ['Bash(git diff:*)']]) {
      const ok = await post({ prompt: 'x', tools })
      expect({ tools, status: ok.status }).toEqual({ tools, status: 202 })
      await waitStatus(e, ok.body.execution_id, ['completed'], 10_000)
    }
    // nothing was created for the refused requests
    expect((await (await e.s.api('/api/v1/claude/executions', { token: e.admin })).json()).total).toBe(3)
  }, 30_000)

  test('bypassPermissions is refused unless the admin enabled it; then the CLI gets the mode (and IS_SANDBOX=1 as root)', async () => {
    e = await startEnv({
      cli: 'fake',
      env: { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '1', FAKE_CLAUDE_RECORD: RECORD },
    })
    const refused = await post({ prompt: 'x', permission_mode: 'bypassPermissions' })
    expect(refused).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } })
    expect(refused.body.message).toContain('bypassPermissions')
    await stopEnv(e)

    e = await startEnv({
      cli: 'fake',
      config: { claudeAllowBypassPermissions: true },
      env: { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '1', FAKE_CLAUDE_RECORD: RECORD },
    })
    const ok = await post({ prompt: 'x', permission_mode: 'bypassPermissions' })
    expect(ok.status).toBe(202)
    // the fake refuses bypassPermissions as root without IS_SANDBOX=1, exactly like the real CLI
    expect((await waitStatus(e, ok.body.execution_id, ['completed', 'failed'], 10_000)).status).toBe('completed')
    const [start] = starts(recordOf(e.workspacePath))
    expect(start.argv[start.argv.indexOf('--permission-mode') + 1]).toBe('bypassPermissions')
    if (process.getuid?.() === 0) expect(start.env.IS_SANDBOX).toBe('1')
  }, 30_000)

  test('the CLI env holds only PATH/HOME/ANTHROPIC_*/CLAUDE_*/allow-listed names: never CCHUB_* or the JWT secret; argv and cwd as documented', async () => {
    const jwtSecret = testConfig().jwtSecret!
    e = await startEnv({
      cli: 'fake',
      config: { claudeAllowedTools: [] },
      env: {
        FAKE_CLAUDE_MODE: 'lines',
        FAKE_CLAUDE_LINES: '1',
        FAKE_CLAUDE_RECORD: RECORD,
        // what a server started from a shell may have in its environment
        CCHUB_JWT_SECRET: jwtSecret,
        CCHUB_ADMIN_PASSWORD: 'admin-pw-in-env',
        CCHUB_DATA_DIR: '/somewhere',
        AWS_SECRET_ACCESS_KEY: 'aws-secret',
        DATABASE_URL: 'postgres://u:p@h/db',
        SSH_AUTH_SOCK: '/tmp/agent',
        LANG: 'C.UTF-8',
      },
    })
    const ok = await post({
      prompt: '-p looks like a flag',
      tools: ['Bash', 'Write'],
      max_turns: 3,
      model: 'claude-test-1',
      append_system_prompt: 'be brief',
    })
    expect(ok.status).toBe(202)
    await waitStatus(e, ok.body.execution_id, ['completed'], 10_000)
    const record = recordOf(e.workspacePath)
    await waitFor(() => starts(record).length === 1, 5000, 'the record')
    const [start] = starts(record)
    const env = start.env as Record<string, string>

    for (const k of Object.keys(env)) expect(k).not.toStartWith('CCHUB_')
    for (const v of Object.values(env)) {
      expect(v).not.toContain(jwtSecret)
      expect(v).not.toContain('admin-pw-in-env')
    }
    for (const k of ['AWS_SECRET_ACCESS_KEY', 'DATABASE_URL', 'SSH_AUTH_SOCK']) expect(env[k]).toBeUndefined()
    expect(env).toMatchObject({
      // the session owner's own CLI home, not the server's
      HOME: join(e.s.dataDir, 'homes', e.adminId),
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      ANTHROPIC_API_KEY: 'test',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
      FAKE_CLAUDE_MODE: 'lines',
    })
    // nothing else: only what cliEnv lets through (and the sandbox's TMPDIR), plus what a shell may set (PWD, SHLVL, _)
    const allowed =
      /^(PATH|HOME|LANG|LC_ALL|TZ|TMPDIR|USER|LOGNAME|SHELL|TERM|ANTHROPIC_.*|CLAUDE_.*|FAKE_CLAUDE_.*|IS_SANDBOX)$/
    const unexpected = Object.keys(env).filter((k) => !allowed.test(k) && !/^(_|SHLVL|PWD|OLDPWD)$/.test(k))
    expect(unexpected).toEqual([])

    expect(start.cwd).toBe(e.workspacePath)
    const argv = start.argv as string[]
    expect(argv.slice(0, 6)).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--include-partial-messages',
      '--input-format',
    ])
    expect(argv).toContain('--session-id')
    expect(argv[argv.indexOf('--permission-mode') + 1]).toBe('default')
    expect(argv[argv.indexOf('--max-turns') + 1]).toBe('3')
    expect(argv[argv.indexOf('--model') + 1]).toBe('claude-test-1')
    expect(argv[argv.indexOf('--append-system-prompt') + 1]).toBe('be brief')
    // the variadic tool list comes last; the prompt never goes to argv (it is written to stdin)
    expect(argv.slice(-3)).toEqual(['--allowedTools', 'Bash', 'Write'])
    expect(argv.join(' ')).not.toContain('looks like a flag')
  }, 30_000)
})
