// Shared helpers for the foundation suite: the error-shape assertion and an in-process app over a temp-file store.
import { expect } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp, createServices } from '../../src/app.ts'
import { ensureAdmin, prepareDataDir } from '../../src/bootstrap.ts'
import type { Logger } from '../../src/core/logger.ts'
import { createLogger } from '../../src/core/logger.ts'
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import type { Store } from '../../src/store/store.ts'
import { ADMIN_PASSWORD, testConfig } from '../support/server.ts'
import type { Config } from '../../src/config/schema.ts'

/** The signing secret every test server uses (no data dir is created for reading it). */
export const JWT_SECRET = testConfig({}, 'unused').jwtSecret!

export interface ErrorBodyLike {
  code: string
  message: string
  details?: Record<string, unknown>
  trace_id: string
  timestamp: string
}

/** Asserts `res` is an error in the one documented shape with this status and code; returns the body. */
export async function expectError(res: Response, status: number, code?: string): Promise<ErrorBodyLike> {
  const text = await res.text()
  let body: ErrorBodyLike
  try {
    body = JSON.parse(text)
  } catch {
    throw new Error(`expected a JSON error body for ${status}, got ${res.status}: ${text.slice(0, 200)}`)
  }
  expect({ status: res.status, code: body.code }).toEqual({ status, code: code ?? body.code })
  expect(res.headers.get('content-type') ?? '').toContain('application/json')
  expect(body.code).toMatch(/^[A-Z][A-Z_]*$/)
  expect(typeof body.message).toBe('string')
  expect(body.message.length).toBeGreaterThan(0)
  expect(typeof body.trace_id).toBe('string')
  expect(body.trace_id.length).toBeGreaterThan(0)
  expect(res.headers.get('x-request-id')).toBe(body.trace_id)
  expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp)
  const allowed = new Set(['code', 'message', 'details', 'trace_id', 'timestamp'])
  for (const key of Object.keys(body)) expect(allowed.has(key) ? key : `unexpected key ${key}`).toBe(key)
  if (body.details !== undefined) expect(typeof body.details).toBe('object')
  return body
}

export function tempDir(prefix = 'cchub-foundation-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export interface InProcessApp {
  app: ReturnType<typeof createApp>
  store: SqliteStore
  dataDir: string
  /** `app.handle` with an optional bearer token and JSON body. */
  call(
    path: string,
    init?: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>
  login(username?: string, password?: string): Promise<string>
  close(): Promise<void>
}

/**
 * The real app over a real SQLite file in a temp dir, without a listener, for pure-HTTP tests.
 * `wrapStore` may decorate the real store (for example to make one method fail). `close()` removes the data dir.
 */
export async function inProcessApp(
  opts: { config?: Partial<Config>; wrapStore?: (s: Store) => Store; logger?: Logger; dataDir?: string } = {},
): Promise<InProcessApp> {
  const dataDir = prepareDataDir(opts.dataDir ?? tempDir())
  const config = testConfig({ ...opts.config }, dataDir)
  const store = openSqliteStore(join(dataDir, 'cchub.db'))
  await ensureAdmin(store, config.adminUsername, ADMIN_PASSWORD)
  const services = await createServices({
    config,
    store: opts.wrapStore ? opts.wrapStore(store) : store,
    logger: opts.logger ?? createLogger('silent'),
    jwtSecret: config.jwtSecret!,
    claude: async () => null,
    claudeBin: () => null,
    env: { PATH: process.env.PATH },
  })
  const app = createApp(services)
  const call: InProcessApp['call'] = (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers }
    if (init.token) headers.authorization = `Bearer ${init.token}`
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    return app.handle(
      new Request('http://localhost' + path, {
        method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      }),
    )
  }
  return {
    app,
    store,
    dataDir,
    call,
    async login(username = 'admin', password = ADMIN_PASSWORD) {
      const res = await call('/api/v1/auth/login', { body: { username, password } })
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { access_token: string }).access_token
    },
    async close() {
      // the same order as server.ts stop(), without the listener
      await services.engine.shutdown(1000)
      services.gateway.shutdown()
      await services.log.drain()
      await services.bus.close()
      await store.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** For beforeAll hooks that start servers and hash passwords (argon2 is slow on a busy 2-core CI machine). */
export const SETUP_TIMEOUT = 30_000
