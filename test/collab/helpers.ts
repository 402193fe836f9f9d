// Shared helpers for the collaboration suite: a server with five users and a workspace, sessions, joined sockets.
import { expect } from 'bun:test'
import type { Config } from '../../src/config/schema.ts'
import type { SessionRole } from '../../src/store/records.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { startTestServer, type TestServer } from '../support/server.ts'
import { ClientPool, type WsClient, type WsMsg } from '../support/ws-client.ts'
import { createSession } from '../../src/modules/sessions/create.ts'

/** Start-up creates five users (argon2 hashing): slow on a busy machine, so hooks get more than bun's 5 s. */
export const SETUP_TIMEOUT = 30_000

export type Name = 'alice' | 'bob' | 'carol' | 'dave' | 'eve'
export const NAMES: Name[] = ['alice', 'bob', 'carol', 'dave', 'eve']

export interface Room {
  s: TestServer
  admin: { id: string; token: string }
  u: Record<Name, { id: string; token: string }>
  /** alice's workspace; nobody else is a member unless a test adds them. */
  wsId: string
  pool: ClientPool
  /** The server's clock: presence grace, typing expiry and share-link expiry move only when a test advances it. */
  clock: ManualClock
}

/** Heartbeat 0.3 s → presence grace 0.6 s (on the manual clock); rate limits out of the way (typing has its own). */
export async function startRoom(overrides: Partial<Config> = {}): Promise<Room> {
  const clock = new ManualClock()
  const s = await startTestServer(
    { wsRateLimit: 1000, wsRateBurst: 1000, wsPingInterval: 0.3, ...overrides },
    undefined,
    undefined,
    { clock },
  )
  const adminToken = await s.login()
  const me = (await (await s.api('/api/v1/users/me', { token: adminToken })).json()) as { id: string }
  const u = {} as Room['u']
  for (const n of NAMES) u[n] = await s.createUser(adminToken, n)
  const res = await s.api('/api/v1/workspaces', { token: u.alice.token, body: { name: 'alice-ws' } })
  expect(res.status).toBe(201)
  const wsId = ((await res.json()) as { id: string }).id
  return { s, admin: { id: me.id, token: adminToken }, u, wsId, pool: new ClientPool(), clock }
}

export async function stopRoom(r: Room | undefined): Promise<void> {
  if (!r) return
  await r.pool.closeAll()
  await r.s.close()
}

/**
 * A session owned by `owner` in the room's workspace, written straight to the store: sessions are otherwise only
 * created by running Claude, which these tests do not need (attribution.test.ts does it the real way).
 */
export async function newSession(
  r: Room,
  participants: Partial<Record<Name, Exclude<SessionRole, 'owner'>>> = {},
  owner: Name = 'alice',
): Promise<string> {
  const store = r.s.services.store
  const { id, created_at: now } = await createSession(store, {
    workspace_id: r.wsId,
    owner_id: r.u[owner].id,
    title: 'test session',
    cli_session_id: null,
  })
  for (const [name, role] of Object.entries(participants)) {
    await store.sessions.putParticipant({ session_id: id, user_id: r.u[name as Name].id, role: role!, created_at: now })
  }
  return id
}

/** An authenticated /ws socket of `who` ('admin' or a user name). */
export async function sock(r: Room, who: Name | 'admin'): Promise<WsClient> {
  const token = who === 'admin' ? r.admin.token : r.u[who].token
  const c = await r.pool.connect(`${r.s.wsUrl}?token=${encodeURIComponent(token)}`)
  await c.next((m) => m.type === 'connected')
  return c
}

/** session_join and wait for both the success reply and the session_state frame. */
export async function join(
  c: WsClient,
  sessionId: string,
  extra: Record<string, unknown> = {},
): Promise<{ reply: WsMsg; state: any }> {
  const reply = await c.request({ type: 'session_join', session_id: sessionId, ...extra })
  if (reply.type !== 'success') throw new Error(`join failed: ${JSON.stringify(reply.data)}`)
  const state = await c.next((m) => m.type === 'session_state' && m.data.session_id === sessionId)
  return { reply, state: state.data }
}

/** Messages of `type` (optionally about `userId`) a client has received so far. */
export function seen(c: WsClient, type: string, userId?: string): WsMsg[] {
  return c.messages.filter((m) => m.type === type && (userId === undefined || m.data?.user_id === userId))
}

export async function json(res: Response): Promise<any> {
  const text = await res.text()
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
