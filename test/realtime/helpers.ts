// Shared helpers for the realtime suite: a server with an admin, upgrade attempts by fetch, URLs and user lookups.
import { expect } from 'bun:test'
import type { Config } from '../../src/config/schema.ts'
import type { ExecutionRecord } from '../../src/store/records.ts'
import type { ServerDeps } from '../../src/server.ts'
import { startTestServer, type TestServer } from '../support/server.ts'
import { ClientPool } from '../support/ws-client.ts'
import { createSession as newSession } from '../../src/modules/sessions/create.ts'

export interface Hub {
  s: TestServer
  admin: string
  adminId: string
  pool: ClientPool
}

export async function startHub(overrides: Partial<Config> = {}, deps: ServerDeps = {}): Promise<Hub> {
  const s = await startTestServer(overrides, undefined, undefined, deps)
  const admin = await s.login()
  const adminId = await userIdOf(s, admin)
  return { s, admin, adminId, pool: new ClientPool() }
}

export async function stopHub(h: Hub | undefined): Promise<void> {
  if (!h) return
  await h.pool.closeAll()
  await h.s.close()
}

export async function userIdOf(s: TestServer, token: string): Promise<string> {
  const res = await s.api('/api/v1/users/me', { token })
  expect(res.status).toBe(200)
  return ((await res.json()) as { id: string }).id
}

/** ws://…/ws (or another path) with an optional ?token=. */
export function wsUrl(s: TestServer, token?: string, path = '/ws'): string {
  const base = s.url.replace(/^http/, 'ws') + path
  return token === undefined ? base : `${base}?token=${encodeURIComponent(token)}`
}

/** A plain HTTP request carrying WebSocket upgrade headers: shows the status and body of a refused upgrade. */
export function tryUpgrade(
  s: TestServer,
  pathAndQuery: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(s.url + pathAndQuery, {
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64'),
      ...headers,
    },
    signal: AbortSignal.timeout(3000),
  })
}

/** Asserts a refused upgrade: the status, the error code in the JSON body, and no 101/upgrade header. */
export async function expectRefused(
  res: Response,
  status: number,
  code: string,
): Promise<{ code: string; message: string }> {
  expect(res.status).toBe(status)
  expect(res.headers.get('upgrade')).toBeNull()
  const body = (await res.json()) as { code: string; message: string }
  expect(body.code).toBe(code)
  expect(body.message.length).toBeGreaterThan(0)
  return body
}

export async function createApiKey(s: TestServer, token: string, name = 'k'): Promise<{ id: string; key: string }> {
  const res = await s.api('/api/v1/auth/api-keys', { token, body: { name } })
  expect(res.status).toBe(200)
  return (await res.json()) as { id: string; key: string }
}

export async function createWorkspace(s: TestServer, token: string, name = 'w'): Promise<string> {
  const res = await s.api('/api/v1/workspaces', { token, body: { name } })
  expect(res.status).toBe(201)
  return ((await res.json()) as { id: string }).id
}

export async function stats(h: Hub): Promise<any> {
  const res = await h.s.api('/api/v1/ws/stats', { token: h.admin })
  expect(res.status).toBe(200)
  return res.json()
}

export const rand = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1))

/** A session row owned by `ownerId` in `workspaceId`, written straight to the store (no CLI involved). */
export async function createSession(s: TestServer, ownerId: string, workspaceId: string): Promise<string> {
  const fields = { workspace_id: workspaceId, owner_id: ownerId, title: 'test', cli_session_id: null }
  return (await newSession(s.services.store, fields)).id
}

/** A finished execution row of `sessionId` (finished, so the engine leaves it alone). */
export async function createExecution(
  s: TestServer,
  sessionId: string,
  workspaceId: string,
  userId: string,
): Promise<string> {
  const now = Date.now()
  const execution: ExecutionRecord = {
    id: Bun.randomUUIDv7(),
    session_id: sessionId,
    workspace_id: workspaceId,
    user_id: userId,
    prompt: 'hi',
    options: {},
    status: 'completed',
    error: null,
    exit_code: 0,
    num_turns: 1,
    message_count: 0,
    total_cost_usd: null,
    usage: null,
    stderr: null,
    permission_denials: null,
    created_at: now,
    started_at: now,
    finished_at: now,
  }
  await s.services.store.executions.create(execution)
  return execution.id
}
