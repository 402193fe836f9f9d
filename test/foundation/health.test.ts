// GET /health without auth: status, version, uptime, db, sandbox, the CLI found at start-up (its path only with auth).
import { afterEach, expect, setDefaultTimeout, test } from 'bun:test'
import { chmodSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { VERSION } from '../../src/app.ts'
import { createLogger } from '../../src/core/logger.ts'
import { startServer, type RunningServer } from '../../src/server.ts'
import { ADMIN_PASSWORD, testConfig } from '../support/server.ts'
import { tempDir, SETUP_TIMEOUT } from './helpers.ts'

// With no CLI found at start-up it reports null and logs a hint.

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function start(claudeBin: string, lines: string[] = []): Promise<RunningServer> {
  const config = testConfig({ claudeBin })
  const running = await startServer(
    config,
    createLogger('info', (l) => lines.push(l)),
    { PATH: process.env.PATH },
  )
  cleanup.push(async () => {
    await running.stop()
    rmSync(config.dataDir, { recursive: true, force: true })
  })
  return running
}

test('a missing CLI gives claude: null, and the start-up log says how to install it', async () => {
  const lines: string[] = []
  const s = await start('/nonexistent/claude-binary', lines)
  const res = await fetch(s.url + '/health')
  expect(res.status).toBe(200)
  const body = (await res.json()) as Record<string, unknown>
  expect(Object.keys(body).sort()).toEqual([
    'bus',
    'claude',
    'db',
    'node_id',
    'sandbox',
    'status',
    'store',
    'uptime_s',
    'version',
  ])
  expect(body).toMatchObject({
    status: 'ok',
    version: VERSION,
    db: 'ok',
    store: { kind: 'sqlite', ok: true },
    claude: null,
    sandbox: 'bwrap',
  })
  // one node: the in-memory bus, and a generated node name that stays the same for the process
  expect(body.bus).toEqual({ kind: 'memory', ok: true })
  expect(body.node_id).toMatch(/^[A-Za-z0-9._-]+-[0-9a-f]{8}$/)
  expect(((await (await fetch(s.url + '/health')).json()) as Record<string, unknown>).node_id).toBe(body.node_id)
  expect(typeof body.uptime_s).toBe('number')
  expect(body.uptime_s as number).toBeGreaterThanOrEqual(0)
  const warning = lines
    .map((l) => JSON.parse(l) as Record<string, string>)
    .find((l) => l.level === 'warn' && /claude/i.test(l.msg ?? ''))
  expect(warning).toBeDefined()
  expect(JSON.stringify(warning)).toContain('npm install')
})

test('a working CLI is reported with its path and version', async () => {
  const dir = tempDir('cchub-fake-claude-')
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  const bin = join(dir, 'claude')
  writeFileSync(bin, '#!/bin/sh\necho "9.8.7 (Claude Code)"\n')
  chmodSync(bin, 0o755)
  const s = await start(bin)
  // without auth (or with a bad token) only the version: the absolute path tells an attacker where things are
  const anonymous = (await (await fetch(s.url + '/health')).json()) as { claude: unknown }
  expect(anonymous.claude).toEqual({ version: '9.8.7' })
  const badToken = (await (await fetch(s.url + '/health', { headers: { authorization: 'Bearer nope' } })).json()) as {
    claude: unknown
  }
  expect(badToken.claude).toEqual({ version: '9.8.7' })
  const login = await fetch(s.url + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  const { access_token } = (await login.json()) as { access_token: string }
  const authed = (await (
    await fetch(s.url + '/health', { headers: { authorization: `Bearer ${access_token}` } })
  ).json()) as { claude: unknown }
  expect(authed.claude).toEqual({ path: bin, version: '9.8.7' })
})

test('a closed database is reported as degraded', async () => {
  const s = await start('/nonexistent/claude-binary')
  await s.services.store.close()
  const body = (await (await fetch(s.url + '/health')).json()) as Record<string, unknown>
  expect(body).toMatchObject({ status: 'degraded', db: 'error' })
})
