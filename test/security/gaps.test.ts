// Security gaps: share-link tokens out of logs, login throttling, deep JSON and huge offsets, INVALID_PATH, --help.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { VERSION } from '../../src/app.ts'
import { helpText } from '../../src/config/help.ts'
import { configKeys, settingMeta } from '../../src/config/schema.ts'
import { createLogger } from '../../src/core/logger.ts'
import { startServer, type RunningServer } from '../../src/server.ts'
import { expectError, tempDir } from '../foundation/helpers.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { waitFor } from '../support/wait.ts'
import { ADMIN_PASSWORD, testConfig } from '../support/server.ts'
import { WsClient } from '../support/ws-client.ts'

// Login and password-change throttling spares trusted addresses; deep JSON and huge offsets are refused with 4xx
// (creating nothing); INVALID_PATH without symlink targets.
// Different client addresses are real loopback sources (127.0.0.x), the login window runs on a fake clock.

setDefaultTimeout(30_000) // argon2 hashing is slow on a busy machine

const WINDOW_S = 7200
const TRUST_S = 3600
const MAX_FAILURES = 3
const lines: string[] = []
const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'))
let server: RunningServer
let dataDir: string
let roots: string
let outside: string
let admin: string

beforeAll(async () => {
  roots = realpathSync(tempDir('cchub-gaps-roots-'))
  outside = realpathSync(tempDir('cchub-gaps-outside-'))
  mkdirSync(join(roots, 'proj'))
  symlinkSync(outside, join(roots, 'link-out'))
  const config = testConfig({
    logLevel: 'info',
    loginMaxFailures: MAX_FAILURES,
    loginWindow: WINDOW_S,
    loginTrustedTtl: TRUST_S,
    workspaceRoots: [roots],
  })
  dataDir = config.dataDir
  server = await startServer(
    config,
    createLogger('info', (l) => lines.push(l)),
    { PATH: process.env.PATH },
    { clock },
  )
  admin = await login('admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await server?.stop()
  for (const dir of [dataDir, roots, outside]) if (dir) rmSync(dir, { recursive: true, force: true })
})

/** One HTTP request from loopback source address `from` (fetch cannot choose it; node:http can), as a Response. */
function call(
  path: string,
  init: { method?: string; token?: string; body?: unknown; from?: string } = {},
): Promise<Response> {
  const body =
    init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
  const headers: Record<string, string> = {}
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}${path}`,
      { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, localAddress: init.from ?? '127.0.0.1' },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const h = new Headers()
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v)
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: h }))
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const attempt = (username: string, password: string, from: string) =>
  call('/api/v1/auth/login', { body: { username, password }, from })

async function login(username: string, password: string, from = '127.0.0.1'): Promise<string> {
  const res = await attempt(username, password, from)
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

async function newUser(username: string): Promise<string> {
  const password = `${username}-password`
  expect((await call('/api/v1/users', { token: admin, body: { username, password } })).status).toBe(201)
  return password
}

async function expectLimited(res: Response) {
  const body = await expectError(res, 429, 'RATE_LIMITED')
  const retry = Number(res.headers.get('retry-after'))
  expect(retry).toBeGreaterThanOrEqual(1)
  expect(retry).toBeLessThanOrEqual(WINDOW_S)
  expect(body.details?.retry_after_s).toBe(retry)
}

const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels)
const total = async (path: string) => ((await (await call(path, { token: admin })).json()) as { total: number }).total

test("the access log shows a share link's token as [redacted], for accept and for info", async () => {
  const ws = (await (await call('/api/v1/workspaces', { token: admin, body: { name: 'shared' } })).json()) as {
    id: string
  }
  const me = (await (await call('/api/v1/users/me', { token: admin })).json()) as { id: string }
  const sid = crypto.randomUUID()
  const at = Date.now()
  await server.services.store.sessions.create({
    id: sid,
    workspace_id: ws.id,
    owner_id: me.id,
    title: 't',
    cli_session_id: null,
    status: 'active',
    model: null,
    total_cost_usd: 0,
    usage: {},
    created_at: at,
    updated_at: at,
    closed_at: null,
  })
  await server.services.store.sessions.putParticipant({
    session_id: sid,
    user_id: me.id,
    role: 'owner',
    created_at: at,
  })
  const link = (await (
    await call(`/api/v1/claude/sessions/${sid}/share`, { token: admin, body: { role: 'viewer' } })
  ).json()) as { token: string }
  expect(link.token.length).toBeGreaterThan(20)
  const accepted = await call(`/api/v1/claude/share/${link.token}/accept`, { method: 'POST', token: admin })
  const info = await call(`/api/v1/claude/share/${link.token}`, { token: admin })
  const ids = [accepted.headers.get('x-request-id'), info.headers.get('x-request-id')]
  expect([accepted.status, info.status]).toEqual([200, 200])
  // the access line is written just after the response: wait for both
  const logged = () => lines.map((l) => JSON.parse(l)).filter((r) => r.msg === 'request' && ids.includes(r.request_id))
  await waitFor(() => logged().length >= 2, 2500, 'both access-log lines')
  expect(
    logged()
      .map((r) => r.path)
      .sort(),
  ).toEqual(['/api/v1/claude/share/[redacted]', '/api/v1/claude/share/[redacted]/accept'])
  expect(lines.join('\n')).not.toContain(link.token)
})

describe('login throttling: strict per address, per username only for addresses the user has not logged in from', () => {
  test("after an attacker's failures the admin still logs in from its usual address; the attacker gets 429 until the window passes", async () => {
    // admin logged in from 127.0.0.1 in beforeAll: that address is trusted for it
    for (let i = 0; i < MAX_FAILURES; i++)
      await expectError(await attempt('admin', 'guess-' + i, '127.0.0.2'), 401, 'INVALID_CREDENTIALS')
    await expectLimited(await attempt('admin', ADMIN_PASSWORD, '127.0.0.2'))
    await expectLimited(await attempt('ADMIN', 'guess-more', '127.0.0.2'))
    await expectLimited(await attempt('admin', ADMIN_PASSWORD, '127.0.0.3')) // never logged in from there either
    expect((await attempt('admin', ADMIN_PASSWORD, '127.0.0.1')).status).toBe(200)
    // the trusted login gave the attacker no fresh tries; once the window has passed it may try again
    await expectLimited(await attempt('admin', ADMIN_PASSWORD, '127.0.0.2'))
    clock.advance(WINDOW_S * 1000 + 1000)
    expect((await attempt('admin', ADMIN_PASSWORD, '127.0.0.2')).status).toBe(200)
  })

  test('trust ends CCHUB_LOGIN_TRUSTED_TTL after the last successful login from the address', async () => {
    const password = await newUser('trusting')
    await login('trusting', password, '127.0.0.4')
    clock.advance(TRUST_S * 1000 + 1000)
    for (let i = 0; i < MAX_FAILURES; i++)
      await expectError(await attempt('trusting', 'guess-' + i, '127.0.0.5'), 401, 'INVALID_CREDENTIALS')
    await expectLimited(await attempt('trusting', password, '127.0.0.4'))
  })

  test('an address over its own limit (4x) is refused for every username, even one it is trusted for', async () => {
    const password = await newUser('neighbour')
    await login('neighbour', password, '127.0.0.6')
    for (let i = 0; i < MAX_FAILURES * 4; i++)
      await expectError(await attempt(`nobody-${i}`, 'guess', '127.0.0.6'), 401, 'INVALID_CREDENTIALS')
    await expectLimited(await attempt('neighbour', password, '127.0.0.6'))
  })
})

test('wrong current passwords on PUT /users/me/password are throttled like failed logins (429 with Retry-After)', async () => {
  const password = await newUser('changer')
  const token = await login('changer', password, '127.0.0.1')
  const change = (current: string, from: string) =>
    call('/api/v1/users/me/password', {
      method: 'PUT',
      token,
      body: { current_password: current, new_password: 'changed-password-1' },
      from,
    })
  // a stolen token used from elsewhere: guesses count against the user and that address
  for (let i = 0; i < MAX_FAILURES; i++)
    await expectError(await change('guess-' + i, '127.0.0.7'), 401, 'INVALID_CREDENTIALS')
  await expectLimited(await change(password, '127.0.0.7'))
  await expectLimited(await attempt('changer', password, '127.0.0.7'))
  // the owner, on the address it logged in from, is not locked out
  expect((await change(password, '127.0.0.1')).status).toBe(200)
})

describe('deep JSON and huge integers get a 4xx in the error shape and create nothing', () => {
  test('a 100,000-level body is 422 VALIDATION_FAILED (it used to overflow the stack when stored: 500)', async () => {
    const body = await expectError(
      await call('/api/v1/broadcast', { token: admin, body: `{"data":${deepObject(100_000)}}` }),
      422,
      'VALIDATION_FAILED',
    )
    expect(body.details).toEqual({ in: 'body', max_depth: 64 })
    await expectError(
      await call('/api/v1/auth/login', { body: '['.repeat(100_000) + ']'.repeat(100_000) }),
      422,
      'VALIDATION_FAILED',
    )
  })

  test('64 levels are accepted, 65 are not', async () => {
    expect((await call('/api/v1/broadcast', { token: admin, body: `{"data":${deepObject(63)}}` })).status).toBe(200)
    await expectError(
      await call('/api/v1/broadcast', { token: admin, body: `{"data":${deepObject(64)}}` }),
      422,
      'VALIDATION_FAILED',
    )
  })

  test('a 50,000-level metadata on execute is 422 before any session or execution row is created', async () => {
    const ws = (await (await call('/api/v1/workspaces', { token: admin, body: { name: 'deep' } })).json()) as {
      id: string
    }
    const before = [await total('/api/v1/claude/sessions'), await total('/api/v1/claude/executions')]
    const res = await call('/api/v1/claude/execute', {
      token: admin,
      body: `{"workspace_id":"${ws.id}","prompt":"hi","metadata":{"m":${deepObject(50_000)}}}`,
    })
    await expectError(res, 422, 'VALIDATION_FAILED')
    expect([await total('/api/v1/claude/sessions'), await total('/api/v1/claude/executions')]).toEqual(before)
  })

  test('over WebSocket a deep frame gets an error frame with its id, creates nothing, and the socket goes on', async () => {
    const ws = (await (await call('/api/v1/workspaces', { token: admin, body: { name: 'deep-ws' } })).json()) as {
      id: string
    }
    const before = await total('/api/v1/claude/sessions')
    const c = await WsClient.connect(`${server.url.replace(/^http/, 'ws')}/ws?token=${admin}`)
    try {
      const reply = c.next((m) => m.id === 'deep-exec')
      c.send(
        `{"type":"command","id":"deep-exec","data":{"action":"execute","workspace_id":"${ws.id}","prompt":"hi","metadata":{"m":${deepObject(50_000)}}}}`,
      )
      expect((await reply).data).toMatchObject({ code: 'VALIDATION_FAILED', details: { in: 'message', max_depth: 64 } })
      const bare = c.next((m) => m.type === 'error' && m.id === undefined)
      c.send('['.repeat(100_000) + ']'.repeat(100_000))
      expect((await bare).data.code).toBe('VALIDATION_FAILED')
      expect((await c.request({ type: 'ping' })).type).toBe('pong')
      expect(await total('/api/v1/claude/sessions')).toBe(before)
    } finally {
      await c.close()
    }
  })

  test('offset=99999999999999999999 is 422 on every list route (it reached SQLite and gave 500); the largest safe integer still works', async () => {
    const ws = (await (await call('/api/v1/workspaces', { token: admin, body: { name: 'paged' } })).json()) as {
      id: string
    }
    for (const path of [
      '/api/v1/users?',
      '/api/v1/workspaces?',
      '/api/v1/claude/sessions?',
      '/api/v1/claude/executions?',
      `/api/v1/files?workspace_id=${ws.id}&`,
    ]) {
      await expectError(await call(`${path}offset=99999999999999999999`, { token: admin }), 422, 'VALIDATION_FAILED')
      expect((await call(`${path}offset=${Number.MAX_SAFE_INTEGER}`, { token: admin })).status).toBe(200)
    }
  })
})

test('INVALID_PATH for a symlink leading outside the roots names only the path sent, never where it leads', async () => {
  const sent = join(roots, 'link-out')
  const body = await expectError(
    await call('/api/v1/workspaces', { token: admin, body: { name: 'escape', path: sent } }),
    422,
    'INVALID_PATH',
  )
  expect(body.message).toContain(sent)
  expect(JSON.stringify(body)).not.toContain(outside)
  expect(body.details).toBeUndefined()
})

test('--help starts every environment variable in one column, at least two spaces after the longest flag', () => {
  const text = helpText(VERSION).split('\n')
  const columns = new Set<number>()
  for (const key of configKeys) {
    const { flag, env } = settingMeta(key)
    const line = text.find((l) => l.startsWith(`  ${flag} <value>`))!
    expect(line).toBeDefined()
    const at = line.indexOf(env)
    expect(line.slice(0, at)).toMatch(/<value> {2,}$/)
    columns.add(at)
  }
  for (const [option, meaning] of [
    ['-h, --help', 'Show this help'],
    ['-v, --version', 'Print the version'],
  ] as const) {
    columns.add(text.find((l) => l.startsWith(`  ${option} `))!.indexOf(meaning))
  }
  expect(columns.size).toBe(1)
})
