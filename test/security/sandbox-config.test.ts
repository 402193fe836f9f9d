// CCHUB_SANDBOX: `bwrap` without a working bubblewrap refuses to start; `auto` falls back to off and says so loudly.
import { afterEach, expect, test } from 'bun:test'
import { waitFor } from '../support/wait.ts'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/core/logger.ts'
import { startServer } from '../../src/server.ts'
import { FAKE_CLAUDE } from '../execution/helpers.ts'
import { ADMIN_PASSWORD, startTestServer, testConfig, type TestServer } from '../support/server.ts'

// After that fallback, non-admins are refused the tools and modes only safe inside a sandbox (SANDBOX_REQUIRED).

const MAIN = join(import.meta.dir, '../../src/main.ts')
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** A PATH with bun (for the fake CLI's `#!/usr/bin/env bun`) but no bwrap. */
function pathWithoutBwrap(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cchub-nobwrap-'))
  symlinkSync(process.execPath, join(dir, 'bun'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('the setting accepts auto, bwrap and off (default auto) and nothing else', () => {
  expect(loadConfig([], {})).toMatchObject({ config: { sandbox: 'auto' } })
  expect(loadConfig(['--sandbox', 'off'], {})).toMatchObject({ config: { sandbox: 'off' } })
  expect(loadConfig([], { CCHUB_SANDBOX: 'bwrap' })).toMatchObject({ config: { sandbox: 'bwrap' } })
  expect(() => loadConfig([], { CCHUB_SANDBOX: 'docker' })).toThrow(/CCHUB_SANDBOX/)
})

test('CCHUB_SANDBOX=bwrap with no bwrap available: the server refuses to start, with one clear line', async () => {
  const config = testConfig({ sandbox: 'bwrap' })
  cleanup.push(() => rmSync(config.dataDir, { recursive: true, force: true }))
  await expect(startServer(config, createLogger('silent'), { PATH: pathWithoutBwrap() })).rejects.toThrow(
    /^CCHUB_SANDBOX=bwrap but the bubblewrap sandbox does not work here: bwrap is not installed/,
  )

  const proc = Bun.spawn([process.execPath, MAIN], {
    env: {
      PATH: pathWithoutBwrap(),
      CCHUB_SANDBOX: 'bwrap',
      CCHUB_PORT: '0',
      CCHUB_DATA_DIR: config.dataDir,
      CCHUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
    },
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
  })
  expect(await proc.exited).toBe(1)
  const stderr = (await new Response(proc.stderr).text())
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{'))
  expect(stderr).toEqual([
    expect.stringMatching(/^cchub: failed to start: CCHUB_SANDBOX=bwrap but .*bwrap is not installed/),
  ])
}, 30_000)

test('auto without bwrap: runs unsandboxed and says so loudly, in the log and in /health', async () => {
  const lines: string[] = []
  const config = testConfig()
  const running = await startServer(
    config,
    createLogger('info', (l) => lines.push(l)),
    { PATH: pathWithoutBwrap() },
  )
  cleanup.push(async () => {
    await running.stop()
    rmSync(config.dataDir, { recursive: true, force: true })
  })
  expect(running.sandbox.mode).toBe('off')
  expect(running.sandbox.reason).toContain('bwrap is not installed')
  const warning = lines
    .map((l) => JSON.parse(l) as Record<string, string>)
    .find((l) => l.level === 'warn' && l.msg?.includes('NO SANDBOX'))
  expect(warning).toMatchObject({ reason: running.sandbox.reason })
  const health = (await (await fetch(running.url + '/health')).json()) as Record<string, unknown>
  expect(health.sandbox).toBe('off')
  expect(health.sandbox_reason).toBe(running.sandbox.reason)
}, 30_000)

test('without a sandbox non-admins get SANDBOX_REQUIRED for tools that run or write and for acceptEdits/bypass; tools that touch no file and admins pass', async () => {
  const s: TestServer = await startTestServer(
    {
      claudeBin: FAKE_CLAUDE,
      claudeEnvAllowList: ['FAKE_CLAUDE_MODE'],
      claudeAllowBypassPermissions: true,
      sandbox: 'off',
    },
    undefined,
    { PATH: pathWithoutBwrap(), FAKE_CLAUDE_MODE: 'lines' },
  )
  cleanup.push(() => s.close())
  const admin = await s.login()
  // the tool policy lets users ask for all of these, so what refuses them here is the missing sandbox
  const policy = {
    user_tools: ['Bash', 'Write', 'Read', 'WebFetch', 'WebSearch'],
    user_permission_modes: ['default', 'plan', 'acceptEdits', 'bypassPermissions'],
  }
  expect((await s.api('/api/v1/admin/tool-policy', { token: admin, method: 'PUT', body: policy })).status).toBe(200)
  const bob = await s.createUser(admin, 'bob')
  const ws = (await (await s.api('/api/v1/workspaces', { token: bob.token, body: { name: 'w' } })).json()) as {
    id: string
  }
  for (const extra of [
    { tools: ['Bash'] },
    { tools: ['WebFetch', 'Write'] },
    { tools: ['Bash(git status)'] },
    { tools: ['Read'] },
    { permission_mode: 'acceptEdits' },
    { permission_mode: 'bypassPermissions' },
  ]) {
    const res = await s.api('/api/v1/claude/execute', {
      token: bob.token,
      body: { workspace_id: ws.id, prompt: 'x', ...extra },
    })
    const body = (await res.json()) as { code: string; message: string }
    expect({ extra, status: res.status, code: body.code }).toEqual({ extra, status: 403, code: 'SANDBOX_REQUIRED' })
    expect(body.message).toContain('without a sandbox')
  }
  const reading = await s.api('/api/v1/claude/execute', {
    token: bob.token,
    body: { workspace_id: ws.id, prompt: 'x', tools: ['WebFetch', 'WebSearch(x)'], permission_mode: 'plan' },
  })
  expect(reading.status).toBe(202)
  const adminWs = (await (await s.api('/api/v1/workspaces', { token: admin, body: { name: 'a' } })).json()) as {
    id: string
  }
  const byAdmin = await s.api('/api/v1/claude/execute', {
    token: admin,
    body: { workspace_id: adminWs.id, prompt: 'x', tools: ['Bash'], permission_mode: 'acceptEdits' },
  })
  expect(byAdmin.status).toBe(202)
  // and it runs, unsandboxed
  const id = ((await byAdmin.json()) as { execution_id: string }).execution_id
  let status = 'queued'
  await waitFor(
    async () => {
      status = ((await (await s.api(`/api/v1/claude/executions/${id}`, { token: admin })).json()) as { status: string })
        .status
      return status !== 'queued' && status !== 'running'
    },
    5000,
    "the admin's run to end",
  )
  expect(status).toBe('completed')
}, 30_000)
