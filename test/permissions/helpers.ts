// Permission-relay suite helpers: a real server + real CLI (either version) + mock API, a team, and the messages.
import { expect } from 'bun:test'
import { ManualClock } from '../support/manual-clock.ts'
import { REAL_CLAUDE, REAL_CLAUDE_2_1_197 } from '../support/real-cli.ts'
import type { WsClient, WsMsg } from '../support/ws-client.ts'
import { addMember, execute, socket, startEnv, watch, type Env, type ExecuteReply } from '../execution/helpers.ts'

export const CLIS = [
  ['2.1.330', REAL_CLAUDE],
  ['2.1.197', REAL_CLAUDE_2_1_197],
] as const

export interface Team {
  e: Env
  clock: ManualClock
  bob: { id: string; token: string }
  carol: { id: string; token: string }
  vic: { id: string; token: string }
}

/**
 * Server on `bin` with collaborators bob and carol and viewer vic in the admin's workspace; time moves only when told.
 */
export async function startTeam(bin: string, config: Record<string, unknown> = {}): Promise<Team> {
  const clock = new ManualClock()
  const e = await startEnv({ cli: 'real', config: { claudeBin: bin, ...config }, clock })
  const [bob, carol, vic] = await Promise.all(['bob', 'carol', 'vic'].map((n) => e.s.createUser(e.admin, n)))
  await addMember(e, bob!.id, 'collaborator')
  await addMember(e, carol!.id, 'collaborator')
  await addMember(e, vic!.id, 'viewer')
  return { e, clock, bob: bob!, carol: carol!, vic: vic! }
}

/**
 * Runs `prompt` and waits for the first permission message (permission_request, question or plan_approval) on the task
 * channel.
 */
export async function runUntilAsked(
  t: Team,
  body: Record<string, unknown>,
  token = t.e.admin,
): Promise<{ ex: ExecuteReply; c: WsClient; request: any }> {
  const ex = await execute(t.e, body, token)
  const c = await watch(t.e, ex.websocket_url)
  const msg = await c.next((m) => ['permission_request', 'question', 'plan_approval'].includes(m.type), 20_000)
  return { ex, c, request: msg.data }
}

/** REST answer; resolves the response (status + JSON). */
export async function answerRest(
  t: Team,
  sessionId: string,
  requestId: string,
  body: Record<string, unknown>,
  token = t.e.admin,
) {
  const res = await t.e.s.api(`/api/v1/claude/sessions/${sessionId}/permissions/${requestId}`, { token, body })
  return { status: res.status, body: (await res.json()) as any }
}

/** WebSocket answer from a fresh socket of `token`; resolves the reply frame. */
export async function answerWs(
  t: Team,
  requestId: string,
  data: Record<string, unknown>,
  token: string,
): Promise<WsMsg> {
  const c = await socket(t.e, token)
  return c.request({ type: 'permission_response', data: { request_id: requestId, ...data } }, 10_000)
}

export async function resolvedOn(c: WsClient, requestId: string): Promise<any> {
  return (await c.next((m) => m.type === 'permission_resolved' && m.data.request_id === requestId, 20_000)).data
}

/** tool_result blocks the CLI sent back to the mock API. */
export function toolResultsSent(t: Team): any[] {
  return t.e
    .mock!.requests.flatMap((r) => (r.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? m.content : [])))
    .filter((b: any) => b?.type === 'tool_result')
}

export function expectError(r: { status: number; body: any }, status: number, code: string): void {
  expect({ status: r.status, code: r.body.code }).toEqual({ status, code })
}
