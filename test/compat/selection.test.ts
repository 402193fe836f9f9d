// Which protocol answers a socket: each seed's typical first frames (from the seeds' own examples), and cchub's SDK's and
// web app's, against one server; no dialect may claim another's client.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { execute, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { waitFor } from '../support/wait.ts'
import type { WsClient } from '../support/ws-client.ts'

type Speaker = 'cchub' | 'seed-000' | 'seed-001' | 'seed-002' | 'seed-003' | 'seed-004'

/** What the frames are built from: the token, a workspace that has an execution's status in its log, that execution. */
interface Ctx {
  token: string
  workspace: string
  executionId: string
}

interface Row {
  who: string
  expected: Speaker
  /** ?token= on the upgrade (else the frames authenticate). */
  query: boolean
  path?: (c: Ctx) => string
  protocols?: string[]
  /** The client's first frames in order; the last one makes the server answer in the protocol it chose. */
  frames: (c: Ctx) => Record<string, unknown>[]
}

const iso = () => new Date().toISOString()
/** seed 000's Go Message and cchub's subscribe alike: the replay holds a `status` (`task` for seed 000). */
const subscribe = (c: Ctx, extra: Record<string, unknown> = {}) => ({
  type: 'subscribe',
  id: 'sub-1',
  channel: `workspace:${c.workspace}`,
  data: { since: 0 },
  ...extra,
})

const rows: Row[] = [
  // seed 000: JWT in ?token= or an auth message, then its Message envelope with an RFC 3339 timestamp
  {
    who: 'seed 000: subscribe',
    expected: 'seed-000',
    query: true,
    frames: (c) => [subscribe(c, { timestamp: iso() })],
  },
  {
    who: 'seed 000: auth message, then subscribe',
    expected: 'seed-000',
    query: false,
    frames: (c) => [
      { type: 'auth', id: 'a1', data: { token: c.token }, timestamp: iso() },
      subscribe(c, { timestamp: iso() }),
    ],
  },
  {
    who: 'seed 000: ping, then subscribe',
    expected: 'seed-000',
    query: true,
    frames: (c) => [{ type: 'ping', data: {}, timestamp: iso() }, subscribe(c, { timestamp: iso() })],
  },
  // seed 001: ClaudeWebSocket.send() adds timestamp: Date.now() and an id to every frame
  {
    who: 'seed 001: claude_message',
    expected: 'seed-001',
    query: true,
    frames: () => [
      {
        type: 'claude_message',
        data: { session_id: 'no-such-session', content: '안녕하세요, Claude!', stream: true },
        timestamp: Date.now(),
        id: `${Date.now()}-k2j4h5g6f`,
      },
    ],
  },
  {
    who: 'seed 001: join_collaboration',
    expected: 'seed-001',
    query: true,
    frames: () => [
      {
        type: 'join_collaboration',
        data: { session_id: 'no-such-session', user_id: 'u' },
        timestamp: Date.now(),
        id: '1',
      },
    ],
  },
  {
    who: 'seed 001: auth message',
    expected: 'seed-001',
    query: false,
    frames: (c) => [{ type: 'auth', data: { token: c.token }, timestamp: Date.now(), id: '1' }],
  },
  // seed 002: the execute reply's websocket_url, with the subprotocol
  {
    who: 'seed 002: /ws/executions/:id with cchub.seed-002',
    expected: 'seed-002',
    query: true,
    path: (c) => `/ws/executions/${c.executionId}`,
    protocols: ['cchub.seed-002'],
    frames: () => [],
  },
  // seed 003: auth with payload.apiKey first (its sample clients), or a ping in its shape
  {
    who: 'seed 003: auth',
    expected: 'seed-003',
    query: false,
    frames: (c) => [{ type: 'auth', payload: { apiKey: c.token } }],
  },
  {
    who: 'seed 003: ping',
    expected: 'seed-003',
    query: true,
    frames: () => [{ type: 'ping', payload: { timestamp: 1704110400000 } }],
  },
  // seed 004: its examples; and cchub's auth message or a ping before them (its seed has no auth)
  {
    who: 'seed 004: session_create',
    expected: 'seed-004',
    query: true,
    frames: () => [{ type: 'session_create', timestamp: iso(), data: { user_agent: 'WebUI Client' } }],
  },
  {
    who: 'seed 004: chat_message',
    expected: 'seed-004',
    query: true,
    frames: () => [
      {
        type: 'chat_message',
        session_id: 'session-id-here',
        timestamp: iso(),
        data: { content: 'Hello, agent!', message_type: 'text' },
      },
    ],
  },
  {
    who: 'seed 004: session_join',
    expected: 'seed-004',
    query: true,
    frames: () => [{ type: 'session_join', session_id: 'session-id-here', timestamp: iso(), data: {} }],
  },
  {
    who: 'seed 004: auth message, then session_create',
    expected: 'seed-004',
    query: false,
    frames: (c) => [
      { type: 'auth', timestamp: iso(), data: { token: c.token } },
      { type: 'session_create', timestamp: iso(), data: { user_agent: 'WebUI Client' } },
    ],
  },
  {
    who: 'seed 004: ping, then session_create',
    expected: 'seed-004',
    query: true,
    frames: () => [
      { type: 'ping', timestamp: iso(), data: {} },
      { type: 'session_create', timestamp: iso(), data: { user_agent: 'WebUI Client' } },
    ],
  },
  // cchub's SDK (src/client: ids c1, c2, …, no timestamp) and the web app (the SDK with authMode 'message')
  {
    who: 'web app: auth message, then subscribe',
    expected: 'cchub',
    query: false,
    frames: (c) => [{ type: 'auth', id: 'c1', data: { token: c.token } }, subscribe(c, { id: 'c2' })],
  },
  { who: 'SDK (?token=): subscribe', expected: 'cchub', query: true, frames: (c) => [subscribe(c, { id: 'c1' })] },
  {
    who: 'SDK: ping, then subscribe',
    expected: 'cchub',
    query: true,
    frames: (c) => [{ type: 'ping', id: 'c1', data: { timestamp: 1 } }, subscribe(c, { id: 'c2' })],
  },
  {
    who: 'SDK: session_join, then subscribe',
    expected: 'cchub',
    query: true,
    frames: (c) => [{ type: 'session_join', id: 'c1', session_id: 'no-such-session' }, subscribe(c, { id: 'c2' })],
  },
  {
    who: '/ws/executions/:id without a subprotocol',
    expected: 'cchub',
    query: true,
    path: (c) => `/ws/executions/${c.executionId}`,
    frames: () => [], // the task's replay comes by itself
  },
]

/** Which protocol the frames are in: each one's own mark (cchub and seed 000 differ in an execution's `status`). */
function speakerOf(frames: Record<string, unknown>[], ws: WebSocket): Speaker | null {
  if (ws.protocol === 'cchub.seed-002') return 'seed-002'
  if (frames.some((f) => 'payload' in f && !('data' in f))) return 'seed-003'
  if (frames.some((f) => typeof f.timestamp === 'number')) return 'seed-001'
  if (frames.some((f) => typeof f.message_id === 'string')) return 'seed-004'
  if (frames.some((f) => f.type === 'task')) return 'seed-000'
  if (frames.some((f) => f.type === 'status')) return 'cchub'
  return null
}

let e: Env
let ctx: Ctx

beforeAll(async () => {
  e = await startEnv({ cli: 'fake' })
  const run = await execute(e, { prompt: 'hello' })
  await waitStatus(e, run.execution_id)
  ctx = { token: e.admin, workspace: e.workspaceId, executionId: run.execution_id }
})
afterAll(() => stopEnv(e))

async function open(row: Row): Promise<WsClient> {
  const base = `${e.s.wsUrl.replace(/\/ws$/, '')}${row.path?.(ctx) ?? '/ws'}`
  const url = row.query ? `${base}?token=${encodeURIComponent(ctx.token)}` : base
  return e.pool.connect(url, row.protocols ? { protocols: row.protocols } : {})
}

describe('dialect selection', () => {
  test.each(rows.map((r) => [r.who, r] as const))('%s', async (_who, row) => {
    const c = await open(row)
    // what the server sent before the client said anything (the connected notice) is cchub's on /ws
    await waitFor(() => c.messages.length > 0, 3000, 'the connected notice')
    const frames = row.frames(ctx)
    const before = frames.length ? c.messages.length : 0
    for (const f of frames) c.send(f)
    const after = () => c.messages.slice(before) as unknown as Record<string, unknown>[]
    await waitFor(
      () => speakerOf(after(), c.ws) !== null,
      5000,
      () => `an answer (got ${JSON.stringify(after()).slice(0, 1500)})`,
    )
    expect(speakerOf(after(), c.ws)).toBe(row.expected)
    await c.close()
  })
})
