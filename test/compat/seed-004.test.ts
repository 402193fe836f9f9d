// Seed 004 (AgenticGoKit web UI) as its own client would use it: session_create, chat_message → agent_progress … agent_response.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { waitFor } from '../support/wait.ts'
import type { WsClient, WsMsg } from '../support/ws-client.ts'
import { startEnv, stopEnv, type Env } from '../execution/helpers.ts'

const MAX_FRAME = 64 * 1024
let e: Env

/** The seed's client: `{type, session_id?, timestamp, data}` out; every frame in is `{type, session_id?, message_id, timestamp, data}`. */
class AgenticClient {
  constructor(readonly c: WsClient) {}

  send(type: string, data: Record<string, unknown> = {}, sessionId?: string): void {
    this.c.send({ type, ...(sessionId ? { session_id: sessionId } : {}), timestamp: new Date().toISOString(), data })
  }

  next(
    type: string,
    pred: (m: WsMsg & { session_id?: string; message_id?: string }) => boolean = () => true,
    ms = 5000,
  ) {
    return this.c.next((m) => m.type === type && pred(m), ms) as Promise<
      WsMsg & { session_id?: string; message_id: string }
    >
  }

  /** Creates a session (optionally in a workspace) and returns its session_status. */
  async createSession(data: Record<string, unknown> = { user_agent: 'WebUI Client' }) {
    this.send('session_create', data)
    return this.next('session_status')
  }

  /** Sends a chat message and resolves with the agent's response. */
  async chat(sessionId: string, content: string, ms = 20_000) {
    this.send('chat_message', { content, message_type: 'text' }, sessionId)
    return this.next('agent_response', (m) => m.session_id === sessionId, ms)
  }

  /** Frames after the connect notice (which comes before the seed's first frame picks the dialect). */
  get seedFrames(): any[] {
    return this.c.messages.filter((m) => m.type !== 'connected')
  }
}

async function connect(token = e.admin): Promise<AgenticClient> {
  const c = await e.pool.connect(`${e.s.wsUrl}?token=${encodeURIComponent(token)}`)
  return new AgenticClient(c)
}

beforeAll(async () => {
  if (!requireRealCli('seed 004 client')) return
  // a burst above the 20 invalid messages cchub tolerates, so the invalid-message limit is what the test meets
  e = await startEnv({ cli: 'real', config: { wsMaxMessageBytes: MAX_FRAME, wsRateBurst: 50 } })
})
afterAll(() => stopEnv(e))

describe.skipIf(!requireRealCli('seed 004 client'))('seed 004: AgenticGoKit web UI client', () => {
  test('session_create without a workspace → session_status with the new session in the default workspace', async () => {
    const a = await connect()
    const status = await a.createSession()
    expect(status.session_id).toBeString()
    expect(status.message_id).toBeString()
    expect(Number.isNaN(Date.parse(status.timestamp!))).toBe(false)
    expect(status.data).toMatchObject({ session_id: status.session_id, status: 'active' })
    const def = await (await e.s.api('/api/v1/workspaces/default', { token: e.admin })).json()
    expect(status.data.workspace_id).toBe(def.id)
    expect(def).toMatchObject({ managed: true, name: 'Default' })
    expect(def.path).toStartWith(e.s.dataDir)
    // the same default workspace every time, and another user gets their own
    expect((await (await e.s.api('/api/v1/workspaces/default', { token: e.admin })).json()).id).toBe(def.id)
    const bob = await e.s.createUser(e.admin, 'bob-default')
    const bobs = await (await e.s.api('/api/v1/workspaces/default', { token: bob.token })).json()
    expect(bobs.id).not.toBe(def.id)
    expect(bobs.owner_id).toBe(bob.id)
  })

  test('session_create with data.workspace_id uses that workspace', async () => {
    const a = await connect()
    const status = await a.createSession({ user_agent: 'WebUI Client', workspace_id: e.workspaceId })
    expect(status.data.workspace_id).toBe(e.workspaceId)
  })

  test('chat_message → agent_progress with partial text … agent_response {agent_name, content, status: complete}', async () => {
    const a = await connect()
    const { session_id } = await a.createSession()
    e.mock!.enqueue(reply.text('Hello! How can I help you?', { chunks: ['Hello! ', 'How can I ', 'help you?'] }))
    const response = await a.chat(session_id!, 'Hello, agent!')
    expect(response.data).toMatchObject({
      agent_name: 'Claude',
      content: 'Hello! How can I help you?',
      status: 'complete',
    })
    const progress = a.seedFrames.filter((m) => m.type === 'agent_progress')
    const text = progress.filter((m) => m.data.progress_type === 'text').map((m) => m.data.content)
    expect(text.join('')).toBe('Hello! How can I help you?')
    expect(progress.some((m) => m.data.progress_type === 'status' && m.data.status === 'running')).toBe(true)
    // every frame: the seed's envelope, a unique message_id, an ISO timestamp, the session at top level
    const frames = a.seedFrames
    expect(new Set(frames.map((m) => m.message_id)).size).toBe(frames.length)
    for (const m of frames) {
      expect(Object.keys(m).sort()).toEqual(['data', 'message_id', 'session_id', 'timestamp', 'type'])
      expect(m.session_id).toBe(session_id)
      expect(new Date(m.timestamp).toISOString()).toBe(m.timestamp)
    }
  }, 30_000)

  test('agent_progress carries tool calls and their results before the reply', async () => {
    const a = await connect()
    const { session_id } = await a.createSession({ workspace_id: e.workspaceId })
    const file = join(e.workspacePath, 'notes.txt')
    writeFileSync(file, 'remember the milk\n')
    e.mock!.enqueue(reply.toolUse('Read', { file_path: file }, { id: 'toolu_read_1' }))
    const response = await a.chat(session_id!, 'What is in notes.txt?')
    expect(response.data.status).toBe('complete')
    expect(response.data.content).toStartWith('Tool finished')
    expect(response.data.content).toContain('remember the milk')
    const progress = a.seedFrames.filter((m) => m.type === 'agent_progress').map((m) => m.data)
    const use = progress.findIndex((p) => p.progress_type === 'tool_use')
    const result = progress.findIndex((p) => p.progress_type === 'tool_result')
    expect(progress[use]).toMatchObject({
      tool_name: 'Read',
      tool_input: { file_path: file },
      tool_use_id: 'toolu_read_1',
    })
    expect(progress[result]).toMatchObject({ tool_use_id: 'toolu_read_1', is_error: false })
    expect(progress[result].content).toContain('remember the milk')
    expect(use).toBeLessThan(result)
  }, 30_000)

  test('session_join from a second window: session_status, then both see the conversation; typing is relayed', async () => {
    const a = await connect()
    const { session_id } = await a.createSession()
    const b = await connect()
    b.send('session_join', {}, session_id)
    const joined = await b.next('session_status')
    expect(joined.session_id).toBe(session_id)
    expect(joined.data).toMatchObject({ session_id, status: 'active' })

    a.send('typing', { is_typing: true }, session_id)
    const typing = await b.next('typing')
    expect(typing).toMatchObject({ session_id, data: { is_typing: true, username: 'admin' } })

    e.mock!.enqueue(reply.text('Shared answer'))
    await a.chat(session_id!, 'Say something to both')
    expect((await b.next('agent_response')).data).toMatchObject({ content: 'Shared answer', status: 'complete' })
  }, 30_000)

  test('chat_message straight into an existing session (no join first) runs there', async () => {
    const a = await connect()
    const { session_id } = await a.createSession()
    const later = await connect()
    e.mock!.enqueue(reply.text('Welcome back'))
    expect((await later.chat(session_id!, 'I am back')).data.content).toBe('Welcome back')
  }, 30_000)

  test('ping → pong with the timestamp (the heartbeat, once the session is created)', async () => {
    const a = await connect()
    await a.createSession()
    const at = new Date().toISOString()
    a.c.send({ type: 'ping', timestamp: at, data: {} })
    const pong = await a.next('pong')
    expect(pong.data.timestamp).toBe(at)
    expect(pong.message_id).toBeString()
  })

  test('the subprotocol cchub.seed-004 picks the dialect at the upgrade: connected as system_message, a first ping', async () => {
    const ws = new WebSocket(`${e.s.wsUrl}?token=${encodeURIComponent(e.admin)}`, ['cchub.seed-004'])
    const got: any[] = []
    ws.addEventListener('message', (m) => got.push(JSON.parse(String(m.data))))
    await new Promise((ok, fail) => {
      ws.addEventListener('open', ok)
      ws.addEventListener('error', fail)
    })
    expect(ws.protocol).toBe('cchub.seed-004')
    ws.send(JSON.stringify({ type: 'ping', timestamp: '2025-01-09T10:00:00Z', data: {} }))
    await waitFor(() => got.some((m) => m.type === 'pong'))
    expect(got[0]).toMatchObject({ type: 'system_message', data: { event: 'connected', authenticated: true } })
    expect(got.find((m) => m.type === 'pong').data.timestamp).toBe('2025-01-09T10:00:00Z')
    ws.close()
  })

  test('errors: bad chat_message, unknown session, another user’s session, malformed JSON', async () => {
    const a = await connect()
    const { session_id } = await a.createSession()
    a.send('chat_message', { message_type: 'text' }, session_id)
    expect((await a.next('error')).data.code).toBe('VALIDATION_FAILED')
    a.send('chat_message', { content: 'no session' })
    expect((await a.next('error')).data.code).toBe('VALIDATION_FAILED')
    a.send('session_join', {}, 'no-such-session')
    const unknown = await a.next('error')
    expect(unknown.session_id).toBe('no-such-session')
    expect(unknown.data.code).toBe('FORBIDDEN')

    const mallory = await e.s.createUser(e.admin, 'mallory-004')
    const m = await connect(mallory.token)
    m.send('chat_message', { content: 'let me in', message_type: 'text' }, session_id)
    expect((await m.next('error')).data.code).toBe('FORBIDDEN')
    m.c.send('{not json')
    expect((await m.next('error')).data.code).toBe('INVALID_JSON')
  })

  test('deviation: a connection without a token gets UNAUTHORIZED (cchub keeps requiring authentication)', async () => {
    const c = await e.pool.connect(e.s.wsUrl)
    const anon = new AgenticClient(c)
    anon.send('session_create', { user_agent: 'WebUI Client' })
    expect((await anon.next('error')).data.code).toBe('UNAUTHORIZED')
    // or as cchub's auth message first (the seed has none), in the seed's envelope; session_create then picks seed 004
    const authed = new AgenticClient(await e.pool.connect(e.s.wsUrl))
    authed.send('auth', { token: e.admin })
    const created = await authed.createSession()
    expect(created.data.status).toBe('active')
    expect(created.message_id).toBeString()
    // the token may come as a header on the upgrade instead of in the URL
    const headed = new AgenticClient(
      await e.pool.connect(e.s.wsUrl, { headers: { authorization: `Bearer ${e.admin}` } }),
    )
    expect((await headed.createSession()).data.status).toBe('active')
  })

  test('limits: the seed’s 512-byte limit is not applied; frames above CCHUB_WS_MAX_MESSAGE_BYTES close with 1009', async () => {
    const a = await connect()
    const { session_id } = await a.createSession()
    e.mock!.enqueue(reply.text('Long one read'))
    expect((await a.chat(session_id!, 'x'.repeat(2000))).data.content).toBe('Long one read')
    a.send('chat_message', { content: 'y'.repeat(MAX_FRAME), message_type: 'text' }, session_id)
    expect((await a.c.closed).code).toBe(1009)
  }, 30_000)

  test("invalid seed messages count against cchub's invalid-message limit: the 21st closes the socket with 1008", async () => {
    const a = await connect()
    for (let i = 0; i < 21; i++) a.send('chat_message', { message_type: 'text' }, 'some-session')
    const closed = await a.c.closed
    expect(closed).toEqual({ code: 1008, reason: 'too many invalid messages' })
    const errors = a.seedFrames.filter((m) => m.type === 'error')
    expect(errors).toHaveLength(21)
    expect(errors.every((m) => m.session_id === 'some-session' && m.data.code === 'VALIDATION_FAILED')).toBe(true)
  })

  test("cchub's own session_join (with an id) still speaks cchub's protocol", async () => {
    const a = await connect()
    const { session_id } = await a.createSession()
    const native = await e.pool.connect(`${e.s.wsUrl}?token=${encodeURIComponent(e.admin)}`)
    const r = await native.request({ type: 'session_join', session_id })
    expect(r).toMatchObject({ type: 'success', data: { action: 'session_join', session_id } })
    expect((await native.next((m) => m.type === 'session_state')).data.session_id).toBe(session_id)
  })
})
