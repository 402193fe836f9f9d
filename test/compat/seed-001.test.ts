// Seed 001 (real-time web interface) as its own client speaks it: ClaudeWebSocket's send()/on(), real CLI + mock API.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { waitFor } from '../support/wait.ts'
import { startEnv, stopEnv, type Env } from '../execution/helpers.ts'

/** The seed's ClaudeWebSocket, with a token: an Authorization header (or ?token=) since cchub always authenticates. */
class ClaudeWebSocket {
  ws!: WebSocket
  readonly received: { type: string; data: any; timestamp: number; id: string }[] = []
  private readonly handlers = new Map<string, ((data: any) => void)[]>()

  constructor(
    private readonly url: string,
    private readonly token?: string,
  ) {}

  connect(): Promise<void> {
    const headers = this.token ? { Authorization: `Bearer ${this.token}` } : undefined
    // Bun's WebSocket takes headers, as the seed's Go and native clients can send them
    this.ws = new WebSocket(this.url, { headers } as never)
    this.ws.onmessage = (e) => this.handleMessage(JSON.parse(String(e.data)))
    return new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve()
      this.ws.onerror = reject
    })
  }

  send(type: string, data: unknown): string {
    const id = `${Date.now()}-${Math.random().toString(36).slice(2, 11)}`
    this.ws.send(JSON.stringify({ type, data, timestamp: Date.now(), id }))
    return id
  }

  sendToClaude(message: string, sessionId: string | null = null, stream = true): string {
    return this.send('claude_message', { session_id: sessionId, content: message, stream })
  }

  on(type: string, handler: (data: any) => void): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler])
  }

  handleMessage(message: { type: string; data: any; timestamp: number; id: string }): void {
    this.received.push(message)
    for (const h of this.handlers.get(message.type) ?? []) h(message.data)
  }

  all(type: string, pred: (d: any) => boolean = () => true): any[] {
    return this.received.filter((m) => m.type === type && pred(m.data)).map((m) => m.data)
  }

  async next(type: string, pred: (d: any) => boolean = () => true, ms = 20_000): Promise<any> {
    await waitFor(
      () => this.all(type, pred).length > 0,
      ms,
      () => `${type} (got ${JSON.stringify(this.received.map((m) => [m.type, m.data])).slice(-1500)})`,
    )
    return this.all(type, pred)[0]
  }

  close(): void {
    this.ws.close()
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64')

let e: Env
let bob: { id: string; token: string }
const clients: ClaudeWebSocket[] = []

async function client(token: string | null = e.admin): Promise<ClaudeWebSocket> {
  const c = new ClaudeWebSocket(e.s.wsUrl, token ?? undefined)
  clients.push(c)
  await c.connect()
  return c
}

const run = requireRealCli('seed 001 client (real CLI)')

beforeAll(async () => {
  if (!run) return
  e = await startEnv({ cli: 'real' })
  bob = await e.s.createUser(e.admin, 'bob')
}, 30_000)
afterAll(async () => {
  for (const c of clients) c.close()
  await stopEnv(e)
})

describe.skipIf(!run)('seed 001: real-time web interface client', () => {
  test('claude_message without a session: session_created, streamed claude_response chunks, then the whole reply', async () => {
    const chunks = ['안녕하세요', ', ', 'Claude', '입니다', '!']
    e.mock!.enqueue(reply.text(chunks.join(''), { chunks, delayMs: 60 }))
    const claude = await client()
    let streamed = ''
    let complete: string | null = null
    claude.on('claude_response', (data) => {
      if (data.stream) streamed += data.content
      else complete = data.content
    })
    claude.sendToClaude('안녕하세요, Claude!')
    const created = await claude.next('session_created')
    expect(created.session_id).toBeString()
    const final = await claude.next('claude_response', (d) => d.stream === false)
    expect(final).toMatchObject({ completed: true, session_id: created.session_id, content: chunks.join('') })
    expect(complete!).toBe(chunks.join(''))
    expect(streamed).toBe(chunks.join(''))
    const parts = claude.all('claude_response', (d) => d.stream === true)
    expect(parts.length).toBeGreaterThan(1)
    expect(parts.every((p) => p.message_id === final.message_id && p.completed === false)).toBe(true)
    // the seed's envelope: numeric timestamps (seconds, as its Go server's time.Now().Unix()) and an id
    const frame = claude.received.find((m) => m.type === 'claude_response')!
    expect(Math.abs(frame.timestamp - Date.now() / 1000)).toBeLessThan(120)
    expect(frame.id).toBeString()
    // the session lives in the user's default workspace, created under the data directory on first use
    const ws = (await (await e.s.api('/api/v1/workspaces', { token: e.admin })).json()) as any
    const def = ws.workspaces.find((w: any) => w.name === 'Default')
    expect(def.path).toContain('/workspaces/default-')
    const session = (await (
      await e.s.api(`/api/v1/claude/sessions/${created.session_id}`, { token: e.admin })
    ).json()) as any
    expect(session.workspace_id).toBe(def.id)
  })

  test('a session of two: invite_user by target_user_id, both get the streamed reply, session_state, code and cursors', async () => {
    const alice = await client()
    alice.sendToClaude('start a session')
    const { session_id } = await alice.next('session_created')
    await alice.next('claude_response', (d) => d.stream === false)
    alice.send('invite_user', { session_id, target_user_id: bob.id, role: 'collaborator' })
    await alice.next('success', (d) => d.action === 'invite_user')

    const bobWs = await client(bob.token)
    bobWs.send('join_collaboration', { session_id, user_id: bob.id })
    const state = await bobWs.next('session_state')
    expect(state).toMatchObject({ session_id, current_code: '', cursor_positions: {} })
    expect(state.messages.map((m: any) => m.type)).toEqual(['user', 'assistant'])
    expect(state.messages[0]).toMatchObject({ content: 'start a session', user_id: e.adminId })
    expect(await alice.next('participant_joined', (d) => d.user_id === bob.id)).toMatchObject({ role: 'collaborator' })

    // Monaco's change events, applied to the shared document; the other user gets code_changed one change at a time
    alice.send('code_change', {
      session_id,
      changes: [
        {
          range: { startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 1 },
          rangeLength: 0,
          text: 'let a = 1\nlet b = 2',
        },
      ],
      timestamp: Date.now(),
    })
    const first = await bobWs.next('code_changed')
    expect(first).toMatchObject({ user_id: e.adminId, change: { text: 'let a = 1\nlet b = 2', rangeLength: 0 } })
    bobWs.send('code_change', {
      session_id,
      changes: [
        { range: { startLineNumber: 2, startColumn: 9, endLineNumber: 2, endColumn: 10 }, rangeLength: 1, text: '3' },
      ],
    })
    const second = await alice.next('code_changed')
    expect(second).toMatchObject({
      user_id: bob.id,
      change: { range: { startLineNumber: 2, startColumn: 9 }, text: '3' },
    })
    expect(alice.all('code_changed', (d) => d.user_id === e.adminId)).toEqual([]) // not echoed to its author

    bobWs.send('cursor_update', { session_id, position: { line: 2, column: 10 } })
    expect(await alice.next('cursor_moved')).toMatchObject({ user_id: bob.id, position: { line: 2, column: 10 } })

    // a second socket of alice joins late: the document and the cursors are in its session_state
    const late = await client()
    late.send('join_collaboration', { session_id })
    const lateState = await late.next('session_state')
    expect(lateState.current_code).toBe('let a = 1\nlet b = 3')
    expect(lateState.cursor_positions[bob.id]).toEqual({ line: 2, column: 10 })

    // Claude's reply to bob's prompt streams to everyone in the session
    e.mock!.enqueue(reply.text('for both of you', { chunks: 3, delayMs: 40 }))
    bobWs.sendToClaude('tell us both', session_id)
    for (const c of [alice, bobWs]) {
      const done = await c.next('claude_response', (d) => d.stream === false && d.content === 'for both of you')
      expect(done.completed).toBe(true)
      expect(c.all('claude_response', (d) => d.stream && d.message_id === done.message_id).length).toBeGreaterThan(0)
    }

    alice.send('remove_user', { session_id, target_user_id: bob.id })
    await alice.next('success', (d) => d.action === 'remove_user')
    await bobWs.next('unsubscribed')
    bobWs.sendToClaude('am I still in?', session_id)
    expect((await bobWs.next('error', (d) => d.code === 'NOT_FOUND' || d.code === 'FORBIDDEN')).message).toBeString()
  })

  test('stream: false gets one complete claude_response; a failed run ends with error and an incomplete final', async () => {
    const claude = await client()
    e.mock!.enqueue(reply.text('all at once', { chunks: 4, delayMs: 20 }))
    claude.sendToClaude('no streaming please', null, false)
    const done = await claude.next('claude_response')
    expect(done).toMatchObject({ stream: false, completed: true, content: 'all at once' })
    expect(claude.all('claude_response').length).toBe(1)

    const { session_id } = await claude.next('session_created')
    e.mock!.enqueue(reply.error(500))
    claude.sendToClaude('this one fails', session_id)
    const err = await claude.next('error', (d) => d.code === 'EXECUTION_FAILED')
    const final = await claude.next('claude_response', (d) => d.message_id === err.message_id && !d.stream)
    expect(final).toMatchObject({ completed: false, status: 'failed' })

    // a new tab (a socket that never joined) continues the session: it is joined first, so the reply reaches it
    const tab = await client()
    e.mock!.enqueue(reply.text('still here', { chunks: 2, delayMs: 30 }))
    tab.sendToClaude('are you there?', session_id)
    expect(await tab.next('claude_response', (d) => !d.stream)).toMatchObject({ content: 'still here', session_id })
    expect(tab.all('claude_response', (d) => d.stream).length).toBeGreaterThan(0)
    expect(tab.all('session_created')).toEqual([])
  })

  test('file_upload in one message, a chunked upload under the client file_id, file_shared to another session', async () => {
    const claude = await client()
    e.mock!.enqueue(reply.text('ok'))
    claude.sendToClaude('a session for files')
    const { session_id } = await claude.next('session_created')
    await claude.next('claude_response', (d) => d.stream === false)

    const id = claude.send('file_upload', {
      session_id,
      filename: 'notes.txt',
      content_type: 'text/plain',
      size: 5,
      data: b64('hello'),
    })
    const up = await claude.next('file_uploaded', (d) => d.name === 'notes.txt' && !('by' in d))
    expect(up).toMatchObject({ filename: 'notes.txt', size: 5, uploaded_by: e.adminId, is_shared: true })
    expect(up.uploaded_at).toBeString()
    // the uploader's own answer carries its request id (the session's broadcast comes besides)
    await waitFor(() => claude.received.some((m) => m.type === 'file_uploaded' && m.id === id), 5000, 'the reply')
    const download = await e.s.api(`/api/v1/files/${up.file_id}`, { token: e.admin })
    expect(await download.text()).toBe('hello')

    // ClientFileManager.uploadFile: its own file_id on upload_start and every upload_chunk
    const fileId = `${Date.now()}-abc123xyz`
    const parts = ['chunk one|', 'chunk two|', 'end']
    claude.send('upload_start', {
      file_id: fileId,
      filename: 'big.txt',
      content_type: 'text/plain',
      size: parts.join('').length,
      total_chunks: parts.length,
      session_id,
    })
    for (const [i, p] of parts.entries())
      claude.send('upload_chunk', { file_id: fileId, chunk_index: i, data: b64(p), is_last: i === parts.length - 1 })
    const done = await claude.next('file_uploaded', (d) => d.client_file_id === fileId)
    expect(claude.all('upload_progress', (d) => d.file_id === fileId).length).toBeGreaterThan(0)
    expect(claude.all('error')).toEqual([])
    expect(await (await e.s.api(`/api/v1/files/${done.file_id}`, { token: e.admin })).text()).toBe(parts.join(''))

    // ClientFileManager.uploadLargeFile (multipart, session_id '' outside a session) and downloadFile, over REST
    const form = new FormData()
    form.append('file', new File(['a large file'], 'large.txt', { type: 'text/plain' }))
    form.append('session_id', '')
    const bearer = { Authorization: `Bearer ${e.admin}` }
    const large = await fetch(`${e.s.url}/api/v1/files/upload`, { method: 'POST', body: form, headers: bearer })
    expect(large.ok).toBe(true)
    const { file_id: largeId } = (await large.json()) as { file_id: string }
    expect(await (await fetch(`${e.s.url}/api/v1/files/${largeId}`, { headers: bearer })).text()).toBe('a large file')

    e.mock!.enqueue(reply.text('other'))
    claude.sendToClaude('another session')
    const other = await claude.next('session_created', (d) => d.session_id !== session_id)
    claude.send('share_file', { file_id: up.file_id, target_session_id: other.session_id })
    const shared = await claude.next('file_shared')
    // a copy in the other session (both live in the default workspace, so the copy gets a free name)
    expect(shared).toMatchObject({ session_id: other.session_id, size: 5, shared_by: e.adminId, is_shared: true })
    expect(shared.name).toStartWith('notes')
    expect(shared.shared_at).toBeString()
    // the other session's run takes its scripted reply before the next test scripts its own
    expect(await claude.next('claude_response', (d) => !d.stream && d.session_id === other.session_id)).toMatchObject({
      content: 'other',
    })
  })

  test('authenticating with an auth message: a claude_message sent right after it runs as that user', async () => {
    const claude = await client(null)
    claude.send('auth', { token: e.admin })
    e.mock!.enqueue(reply.text('after auth', { chunks: 2, delayMs: 20 }))
    claude.sendToClaude('no waiting for the auth reply')
    expect((await claude.next('success', (d) => d.action === 'auth')).authenticated).toBe(true)
    expect((await claude.next('session_created')).session_id).toBeString()
    expect(await claude.next('claude_response', (d) => !d.stream)).toMatchObject({ content: 'after auth' })
  })

  test('errors in the seed shape; the 10 messages/s limit is per user across sockets', async () => {
    const anon = await client(null)
    anon.sendToClaude('who am I?')
    expect((await anon.next('error')).code).toBe('UNAUTHORIZED')

    const claude = await client()
    claude.send('claude_message', { session_id: null })
    expect((await claude.next('error')).message).toContain('content')
    claude.send('invite_user', { session_id: 'nope', user_id: bob.id })
    expect((await claude.next('error', (d) => d.message.includes('target_user_id'))).code).toBe('VALIDATION_FAILED')

    // two sockets of one user: 12 messages at once, over the seed's 10 per user (cchub's own limit is per socket)
    const a = await client(bob.token)
    const b = await client(bob.token)
    for (let i = 0; i < 6; i++) a.send('ping', {}), b.send('ping', {})
    const answers = () => [a, b].flatMap((c) => [...c.all('pong'), ...c.all('error', (d) => d.code === 'RATE_LIMITED')])
    await waitFor(
      () => answers().length === 12,
      5000,
      () => `12 answers, got ${answers().length}`,
    )
    const limited = [a, b].flatMap((c) => c.all('error', (d) => d.code === 'RATE_LIMITED'))
    expect(limited.length).toBeGreaterThanOrEqual(1)
    expect(limited.length).toBeLessThanOrEqual(2)
  })
})
