// Seed 000 (aicli-web foundation): a client of the seed's Message envelope runs a task and gets `task`/`session` updates.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { startEnv, stopEnv, type Env } from '../execution/helpers.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { waitFor } from '../support/wait.ts'

/** The seed's `Message`: {type, id?, channel?, data, timestamp}. */
interface Message {
  type: string
  id?: string
  channel?: string
  seq?: number
  data: any
  timestamp: string
}

/** A client of the seed: JWT in ?token=, every frame a Message with its timestamp. */
class AicliClient {
  readonly ws: WebSocket
  readonly got: Message[] = []
  readonly opened: Promise<void>
  closeCode: number | null = null
  private n = 0

  constructor(url: string, protocols?: string[]) {
    this.ws = new WebSocket(url, protocols)
    this.ws.onmessage = (e) => this.got.push(JSON.parse(String(e.data)))
    this.ws.onclose = (e) => {
      this.closeCode = e.code
    }
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve()
      this.ws.onerror = () => reject(new Error('socket failed'))
    })
  }

  send(type: string, data: unknown, channel?: string): string {
    const id = `m${++this.n}`
    this.ws.send(
      JSON.stringify({ type, id, ...(channel ? { channel } : {}), data, timestamp: new Date().toISOString() }),
    )
    return id
  }

  async request(type: string, data: unknown, channel?: string): Promise<Message> {
    const id = this.send(type, data, channel)
    return this.wait((m) => m.id === id, `the reply to ${type}`)
  }

  async wait(pred: (m: Message) => boolean, what: string, timeoutMs = 3000): Promise<Message> {
    await waitFor(
      () => this.got.some(pred),
      timeoutMs,
      () => `${what} (got ${JSON.stringify(this.got).slice(0, 1500)})`,
    )
    return this.got.find(pred)!
  }

  on(channel: string, type: string): Message[] {
    return this.got.filter((m) => m.channel === channel && m.type === type)
  }
}

const sockets: AicliClient[] = []
afterEach(() => {
  for (const c of sockets.splice(0)) c.ws.close()
})

describe.skipIf(!requireRealCli('seed 000 (real CLI)'))('seed 000: a task run end to end (real CLI)', () => {
  let e: Env
  beforeAll(async () => {
    e = await startEnv({ cli: 'real' })
  })
  afterAll(() => stopEnv(e))

  const connect = async (protocols?: string[]) => {
    const c = new AicliClient(`${e.s.wsUrl}?token=${encodeURIComponent(e.admin)}`, protocols)
    sockets.push(c)
    await c.opened
    return c
  }

  test('command → task updates on task:<id> and workspace:<id>, logs and events; session close → session', async () => {
    const c = await connect()
    const workspace = `workspace:${e.workspaceId}`
    expect((await c.request('subscribe', {}, workspace)).type).toBe('success')
    e.mock!.enqueue(reply.text('Hello from Claude'))
    const started = await c.request('command', { action: 'execute', workspace_id: e.workspaceId, prompt: 'say hello' })
    expect(started.type).toBe('success')
    const { execution_id: taskId, session_id: sessionId } = started.data
    const task = `task:${taskId}`
    expect((await c.request('subscribe', { since: 0 }, task)).data).toMatchObject({ channel: task })
    expect((await c.request('subscribe', {}, `session:${sessionId}`)).type).toBe('success')

    await c.wait((m) => m.channel === task && m.type === 'task' && m.data.status === 'completed', 'completed', 30_000)
    const updates = c.on(task, 'task')
    expect(updates.map((m) => m.data.status)).toEqual(['queued', 'running', 'completed'])
    for (const u of updates) {
      expect(u.data).toMatchObject({ task_id: taskId, session_id: sessionId, data: { workspace_id: e.workspaceId } })
      expect(u.timestamp).toEqual(expect.any(String))
    }
    expect(c.on(task, 'status')).toEqual([]) // the seed's name only
    await c.wait((m) => m.channel === workspace && m.type === 'task' && m.data.status === 'completed', 'on workspace')
    const texts = c.on(task, 'event').flatMap((m) => m.data.event.message?.content ?? [])
    expect(texts.some((b: any) => b.text === 'Hello from Claude')).toBe(true)

    const closed = await e.s.api(`/api/v1/claude/sessions/${sessionId}`, { method: 'DELETE', token: e.admin })
    expect(closed.status).toBe(200)
    const session = await c.wait((m) => m.type === 'session', 'session')
    expect(session).toMatchObject({
      channel: `session:${sessionId}`,
      data: { session_id: sessionId, project_id: e.workspaceId, status: 'closed', data: { by: e.adminId } },
    })

    // a client of cchub's own protocol (no timestamp) on the same task still gets `status`
    const own = await connect()
    own.ws.send(JSON.stringify({ type: 'subscribe', id: 'x', channel: task, data: { since: 0 } }))
    await own.wait((m) => m.id === 'x', 'subscribed')
    expect(own.on(task, 'status').map((m) => m.data.status)).toEqual(['queued', 'running', 'completed'])
    expect(own.on(task, 'task')).toEqual([])
  }, 40_000)

  test('the subprotocol cchub.seed-000 picks the dialect without a timestamp; errors, ping, size limit', async () => {
    const c = await connect(['cchub.seed-000'])
    expect(c.ws.protocol).toBe('cchub.seed-000')
    const forbidden = await c.request('subscribe', {}, 'user:someone-else')
    expect(forbidden).toMatchObject({ type: 'error', data: { code: 'FORBIDDEN' } })
    expect((await c.request('subscribe', {}, 'nonsense:1')).data.code).toBe('VALIDATION_FAILED')
    expect((await c.request('bogus', {})).data.code).toBe('UNKNOWN_MESSAGE_TYPE')
    expect((await c.request('ping', { timestamp: 42 })).data.timestamp).toBe(42)
    // the seed's 1 MB message size limit (cchub's CCHUB_WS_MAX_MESSAGE_BYTES default, 1 MiB)
    c.send('command', { action: 'execute', workspace_id: e.workspaceId, prompt: 'x'.repeat(1_100_000) })
    await waitFor(() => c.closeCode !== null, 3000, 'the close')
    expect(c.closeCode).toBe(1009)
  })
})
