// Test harness: a real cchub server on port 0 with its data in a fresh temp directory.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { ConfigSchema, type Config } from '../../src/config/schema.ts'
import { createLogger } from '../../src/core/logger.ts'
import { startServer, type RunningServer, type ServerDeps } from '../../src/server.ts'

export const ADMIN_PASSWORD = 'admin-password-for-tests'

export interface TestServer extends RunningServer {
  dataDir: string
  wsUrl: string
  /** fetch against the server with an optional bearer token and JSON body. */
  api(
    path: string,
    init?: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>
  login(username?: string, password?: string): Promise<string>
  createUser(adminToken: string, username: string, role?: 'admin' | 'user'): Promise<{ id: string; token: string }>
  /** Stops the server and removes its data directory (unless keepData). */
  close(opts?: { keepData?: boolean }): Promise<void>
}

/** fetch and login against any cchub at `url` (an in-process server or a child process). */
export function apiClient(url: string): Pick<TestServer, 'api' | 'login'> {
  const api: TestServer['api'] = (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers }
    if (init.token) headers.authorization = `Bearer ${init.token}`
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    return fetch(url + path, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
  }
  const login = async (username = 'admin', password = ADMIN_PASSWORD) => {
    const res = await api('/api/v1/auth/login', { body: { username, password } })
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${await res.text()}`)
    return ((await res.json()) as { access_token: string }).access_token
  }
  return { api, login }
}

export function testConfig(overrides: Partial<Config> = {}, dataDir?: string): Config {
  const base = Value.Default(ConfigSchema, {}) as Config
  return {
    ...base,
    port: 0,
    dataDir: dataDir ?? mkdtempSync(join(tmpdir(), 'cchub-test-')),
    adminPassword: ADMIN_PASSWORD,
    logLevel: 'silent',
    jwtSecret: 'test-secret-test-secret-test-secret-0123456789',
    shutdownTimeout: 2,
    ...overrides,
  }
}

/**
 * `env` is what CLI processes inherit from (filtered by the server), e.g. ANTHROPIC_BASE_URL for the mock API;
 * `deps.clock` a ManualClock where time is the subject of the test.
 */
export async function startTestServer(
  overrides: Partial<Config> = {},
  dataDir?: string,
  env: Record<string, string | undefined> = { PATH: process.env.PATH },
  deps: ServerDeps = {},
): Promise<TestServer> {
  const config = testConfig(overrides, dataDir)
  const running = await startServer(config, createLogger('silent'), env, deps)
  const { api, login } = apiClient(running.url)
  return {
    ...running,
    dataDir: config.dataDir,
    wsUrl: running.url.replace(/^http/, 'ws') + '/ws',
    api,
    login,
    async createUser(adminToken, username, role = 'user') {
      const res = await api('/api/v1/users', {
        token: adminToken,
        body: { username, password: `${username}-password`, role },
      })
      if (res.status !== 201) throw new Error(`create user failed: ${res.status} ${await res.text()}`)
      const user = (await res.json()) as { id: string }
      return { id: user.id, token: await login(username, `${username}-password`) }
    },
    async close(opts) {
      await running.stop()
      if (!opts?.keepData) rmSync(config.dataDir, { recursive: true, force: true })
    },
  }
}
