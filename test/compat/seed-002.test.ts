// Seed 002 (aicli-web Claude API) as its client would use it: execute (202), the claude_message stream, sessions REST.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { waitFor } from '../support/wait.ts'
import { startEnv, stopEnv, type Env } from '../execution/helpers.ts'

let e: Env

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await e.s.api(`/api/v1/claude${path}`, { method, token: e.admin, ...(body ? { body } : {}) })
  return { status: res.status, body: await res.json() }
}

/** The seed's stream: connect to websocket_url and collect {type, timestamp, data} frames until the result. */
async function stream(websocketUrl: string, protocols: string[] = ['cchub.seed-002']) {
  const url = `${e.s.url.replace(/^http/, 'ws')}${websocketUrl}?token=${encodeURIComponent(e.admin)}`
  const c = await e.pool.connect(url, { protocols })
  const frames = c.messages as any[]
  const until = async (pred: (f: any) => boolean) => {
    await waitFor(
      () => frames.some(pred),
      20_000,
      () => `a frame (got ${JSON.stringify(frames).slice(-1500)})`,
    )
    return frames.find(pred)
  }
  return { ws: c.ws, frames, until }
}

const isResult = (f: any) => f.type === 'claude_message' && f.data?.type === 'result'

beforeAll(async () => {
  if (requireRealCli('seed 002 client')) e = await startEnv({ cli: 'real' })
})
afterAll(() => stopEnv(e))

describe.skipIf(!requireRealCli('seed 002 client'))('seed 002: aicli-web Claude API client', () => {
  test('POST /execute → 202 {execution_id, session_id, status, websocket_url}; the socket streams claude_message frames', async () => {
    e.mock!.enqueue(reply.text('Hello from Claude', { chunks: ['Hello ', 'from ', 'Claude'] }))
    // every field of the seed's ExecuteRequest
    const started = await api('POST', '/execute', {
      workspace_id: e.workspaceId,
      prompt: 'Say hello',
      system_prompt: 'You are terse.',
      max_turns: 3,
      tools: ['Read'],
      stream: true,
      metadata: { source: 'seed-002' },
    })
    expect(started.status).toBe(202)
    expect(started.body).toMatchObject({
      execution_id: expect.any(String),
      session_id: expect.any(String),
      websocket_url: `/ws/executions/${started.body.execution_id}`,
    })
    const s = await stream(started.body.websocket_url)
    expect(s.ws.protocol).toBe('cchub.seed-002')
    const result = await s.until(isResult)
    expect(result.data).toMatchObject({ type: 'result', subtype: 'success', result: 'Hello from Claude' })
    const messages = s.frames.filter((f) => f.type === 'claude_message')
    for (const m of messages) expect(new Date(m.timestamp).toISOString()).toBe(m.timestamp)
    // data is the CLI's own message: init, the streamed deltas one by one, the assistant message, the result
    expect(messages[0].data).toMatchObject({ type: 'system', subtype: 'init' })
    const deltas = messages
      .filter((m) => m.data.type === 'stream_event' && m.data.event?.delta?.type === 'text_delta')
      .map((m) => m.data.event.delta.text)
    expect(deltas.join('')).toBe('Hello from Claude')
    const assistant = messages.find((m) => m.data.type === 'assistant')
    expect(assistant.data.message.content[0]).toMatchObject({ type: 'text', text: 'Hello from Claude' })
    s.ws.close()
  }, 30_000)

  test("without the subprotocol the same URL speaks cchub's frames (its own clients are unchanged)", async () => {
    e.mock!.enqueue(reply.text('Plain'))
    const started = await api('POST', '/execute', { workspace_id: e.workspaceId, prompt: 'cchub client' })
    const s = await stream(started.body.websocket_url, [])
    await s.until((f) => f.type === 'event' && f.data.event?.type === 'result')
    expect(s.frames.some((f) => f.type === 'claude_message')).toBe(false)
    s.ws.close()
  }, 30_000)

  test('sessions: list {sessions, total}, get, logs {session_id, logs, count}, DELETE → {"message":"Session closed"}', async () => {
    e.mock!.enqueue(reply.text('Kept in the log'))
    const started = await api('POST', '/execute', { workspace_id: e.workspaceId, prompt: 'Log me' })
    const s = await stream(started.body.websocket_url)
    await s.until(isResult)
    s.ws.close()
    const sid = started.body.session_id

    const list = await api('GET', `/sessions?workspace_id=${e.workspaceId}`)
    expect(list.status).toBe(200)
    expect(list.body.total).toBe(list.body.sessions.length)
    expect(list.body.sessions.map((x: any) => x.id)).toContain(sid)
    expect((await api('GET', `/sessions/${sid}`)).body).toMatchObject({ id: sid, status: 'active' })
    const logs = await api('GET', `/sessions/${sid}/logs?limit=100`)
    expect(logs.body).toMatchObject({ session_id: sid, count: logs.body.logs.length })
    expect(logs.body.count).toBeGreaterThan(0)

    const closed = await api('DELETE', `/sessions/${sid}`)
    expect(closed.status).toBe(200)
    expect(closed.body).toMatchObject({ message: 'Session closed', id: sid, status: 'closed' })
    const missing = await api('GET', '/sessions/no-such-session')
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String), trace_id: expect.any(String) })
  }, 30_000)

  test('a missing required field is 400; a value out of range stays 422', async () => {
    const noPrompt = await api('POST', '/execute', { workspace_id: e.workspaceId })
    expect(noPrompt.status).toBe(400)
    // the seed's APIError: {code, message, details?, trace_id, timestamp} (read before toMatchObject: Bun 1.4.5's
    // puts its asymmetric matchers into the object it checks)
    expect(new Date(noPrompt.body.timestamp).toISOString()).toBe(noPrompt.body.timestamp)
    expect(noPrompt.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('prompt'),
      trace_id: expect.any(String),
      timestamp: expect.any(String),
    })
    expect((await api('POST', '/execute', { prompt: 'where?' })).status).toBe(400)
    expect((await api('POST', '/execute', { workspace_id: e.workspaceId, prompt: 'x', max_turns: 0 })).status).toBe(422)
  })
})
