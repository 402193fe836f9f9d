// docs/protocol.md's client examples as raw WebSockets (no SDK): API key + task id, seed 000 style, /ws/executions, SSE.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import type { ExecutionRecord, SessionRecord } from '../../src/store/records.ts'
import { createSession } from '../../src/modules/sessions/create.ts'
import { fixture, type Fixture } from './helpers.ts'
import { waitFor } from '../support/wait.ts'

interface Frame {
  type: string
  id?: string | number
  channel?: string
  seq?: number
  data: any
  timestamp: string
}

/** A raw socket that records every frame and can wait for one matching a predicate. */
function rawSocket(url: string) {
  const ws = new WebSocket(url)
  const frames: Frame[] = []
  ws.onmessage = (e) => frames.push(JSON.parse(String(e.data)))
  const opened = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve()
    ws.onerror = () => reject(new Error('socket failed'))
  })
  const next = async (pred: (f: Frame) => boolean, what: string) => {
    await waitFor(() => frames.some(pred), 2_000, what)
    return frames.find(pred)!
  }
  return { ws, frames, opened, next }
}

let f: Fixture
let session: SessionRecord
let execution: ExecutionRecord
const sockets: WebSocket[] = []

/** A session with one execution owned by the admin, as the execution engine would create them. */
async function seedSession(fx: Fixture) {
  const res = await fx.server.api('/api/v1/workspaces', { token: fx.token, body: { name: 'seed-clients' } })
  expect(res.status).toBe(201)
  const workspace = (await res.json()) as { id: string }
  session = await createSession(fx.server.services.store, {
    workspace_id: workspace.id,
    owner_id: fx.userId,
    title: 'seed',
    cli_session_id: null,
  })
  const now = Date.now()
  execution = {
    id: Bun.randomUUIDv7(),
    session_id: session.id,
    workspace_id: workspace.id,
    user_id: fx.userId,
    prompt: 'hi',
    options: {},
    status: 'running',
    error: null,
    exit_code: null,
    num_turns: 0,
    message_count: 0,
    total_cost_usd: null,
    usage: null,
    stderr: null,
    permission_denials: null,
    created_at: now,
    started_at: now,
    finished_at: null,
  }
  await fx.server.services.store.executions.create(execution)
}

beforeEach(async () => {
  f = await fixture()
  await seedSession(f)
})
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.close()
  await f.server.close()
})

describe('auth message with data.apiKey, subscribe by taskId, ping with timestamp', () => {
  test('works as documented', async () => {
    const created = await f.server.api('/api/v1/auth/api-keys', { token: f.token, body: { name: 'task-watcher' } })
    const { key } = (await created.json()) as { key: string }
    const c = rawSocket(f.server.wsUrl)
    sockets.push(c.ws)
    await c.opened
    c.ws.send(JSON.stringify({ type: 'auth', data: { apiKey: key } }))
    const authed = await c.next((m) => m.type === 'success' && m.data.action === 'auth', 'auth success')
    expect(authed.data).toMatchObject({ authenticated: true, user: { username: 'admin' } })

    c.ws.send(JSON.stringify({ type: 'subscribe', payload: { taskId: execution.id } }))
    const subscribed = await c.next((m) => m.type === 'success' && m.data.action === 'subscribe', 'subscribe success')
    expect(subscribed.data).toMatchObject({ channel: `task:${execution.id}`, seq: 0 })

    c.ws.send(JSON.stringify({ type: 'ping', payload: { timestamp: 1704110400000 } }))
    const pong = await c.next((m) => m.type === 'pong', 'pong')
    expect(pong.data.timestamp).toBe(1704110400000)
    expect(typeof pong.data.server_time).toBe('number')

    await f.server.services.log.emit(`task:${execution.id}`, 'status', { status: 'running' })
    await f.server.services.log.emit(`task:${execution.id}`, 'log', { stream: 'stdout', line: 'Processing file...' })
    await c.next((m) => m.type === 'log', 'task log')
    const task = c.frames.filter((m) => m.channel === `task:${execution.id}`)
    expect(task.map((m) => [m.type, m.seq])).toEqual([
      ['status', 1],
      ['log', 2],
    ])
    expect(task[1]!.data).toEqual({ stream: 'stdout', line: 'Processing file...' })
  })
})

describe('seed 000 style: ?token= JWT, envelope with id and timestamp, subscribe to session:<id>', () => {
  test('works as documented', async () => {
    const c = rawSocket(`${f.server.wsUrl}?token=${encodeURIComponent(f.token)}`)
    sockets.push(c.ws)
    await c.opened
    const connected = await c.next((m) => m.type === 'connected', 'connected')
    expect(connected.data).toMatchObject({ authenticated: true, heartbeat_interval_s: 30, auth_timeout_s: null })

    c.ws.send(
      JSON.stringify({
        type: 'subscribe',
        id: 'sub-1',
        channel: `session:${session.id}`,
        data: {},
        timestamp: new Date().toISOString(),
      }),
    )
    const reply = await c.next((m) => m.id === 'sub-1', 'subscribe reply')
    expect(reply).toMatchObject({
      type: 'success',
      data: { action: 'subscribe', channel: `session:${session.id}`, seq: 0, replayed: 0 },
    })

    await f.server.services.log.emit(`session:${session.id}`, 'log', { line: 'hello' })
    const log = await c.next((m) => m.type === 'log', 'session log')
    expect(log).toMatchObject({ type: 'log', channel: `session:${session.id}`, seq: 1, data: { line: 'hello' } })

    // resume after a disconnect: a new socket subscribes with since = last seq seen
    await f.server.services.log.emit(`session:${session.id}`, 'log', { line: 'while away' })
    const again = rawSocket(`${f.server.wsUrl}?token=${encodeURIComponent(f.token)}`)
    sockets.push(again.ws)
    await again.opened
    again.ws.send(JSON.stringify({ type: 'subscribe', id: 2, channel: `session:${session.id}`, data: { since: 1 } }))
    const resumed = await again.next((m) => m.id === 2, 'resubscribe reply')
    expect(resumed.data).toMatchObject({ replayed: 1, seq: 2 })
    const replayed = again.frames.filter((m) => m.type === 'log')
    expect(replayed.map((m) => m.seq)).toEqual([2])
    // replayed frames come before the reply
    expect(again.frames.indexOf(replayed[0]!)).toBeLessThan(again.frames.indexOf(resumed))
  })
})

describe('other ways in', () => {
  test('/ws/executions/:id joins task:<id> by itself', async () => {
    await f.server.services.log.emit(`task:${execution.id}`, 'status', { status: 'running' })
    const url = `${f.server.url.replace(/^http/, 'ws')}/ws/executions/${execution.id}?token=${encodeURIComponent(f.token)}`
    const c = rawSocket(url)
    sockets.push(c.ws)
    const joined = await c.next((m) => m.type === 'success', 'auto subscribe')
    expect(joined.id).toBeUndefined()
    expect(joined.data).toMatchObject({ action: 'subscribe', channel: `task:${execution.id}`, seq: 1 })
  })

  test('SSE: one channel resumes from a numeric Last-Event-ID', async () => {
    const channel = `session:${session.id}`
    for (let i = 1; i <= 3; i++) await f.server.services.log.emit(channel, 'log', { i })
    const ctrl = new AbortController()
    const res = await fetch(`${f.server.url}/api/v1/events?channel=${channel}`, {
      headers: { authorization: `Bearer ${f.token}`, 'last-event-id': '1' },
      signal: ctrl.signal,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const text = await readFor(res, 300)
    ctrl.abort()
    expect(text).toStartWith('retry: 2000\n')
    const events = text.split('\n\n').filter((b) => b.startsWith('id:'))
    expect(events.map((b) => b.split('\n')[0])).toEqual(['id: 2', 'id: 3'])
    expect(events[0]).toContain('event: log\ndata: {"type":"log","channel":"' + channel + '","seq":2,')
  })

  test('SSE: several channels use channel=seq;channel=seq ids', async () => {
    const a = `session:${session.id}`
    const b = `task:${execution.id}`
    await f.server.services.log.emit(a, 'log', { i: 1 })
    await f.server.services.log.emit(b, 'status', { status: 'running' })
    const ctrl = new AbortController()
    const res = await fetch(`${f.server.url}/api/v1/events?channel=${a}&channel=${b}`, {
      headers: { authorization: `Bearer ${f.token}`, 'last-event-id': `${a}=0;${b}=0` },
      signal: ctrl.signal,
    })
    const text = await readFor(res, 300)
    ctrl.abort()
    const ids = text.split('\n').filter((l) => l.startsWith('id: '))
    expect(ids).toEqual([`id: ${a}=1;${b}=0`, `id: ${a}=1;${b}=1`])
  })
})

async function readFor(res: Response, ms: number): Promise<string> {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)])
    if (!chunk || chunk.done) break
    text += decoder.decode(chunk.value)
  }
  reader.releaseLock()
  return text
}
