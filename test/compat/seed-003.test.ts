// Seed 003 (CC-Anywhere): a client written from the seed's text watches a real task run over the seed's wire format.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { addMember, execute, startEnv, stopEnv, type Env } from '../execution/helpers.ts'
import { createApiKey } from '../realtime/helpers.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { waitFor } from '../support/wait.ts'
import { CcAnywhereClient, type Frame } from './seed-003-client.ts'

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/
const clients: CcAnywhereClient[] = []

function connect(e: Env, apiKey: string | null, protocols?: string[]): CcAnywhereClient {
  const c = new CcAnywhereClient(e.s.wsUrl, apiKey, protocols)
  clients.push(c)
  return c
}
afterEach(() => {
  for (const c of clients.splice(0)) c.ws.close()
})

describe.skipIf(!requireRealCli('seed 003 (real CLI)'))('seed 003: a task run end to end (real CLI)', () => {
  let e: Env
  let key: string
  beforeAll(async () => {
    e = await startEnv({ cli: 'real' })
    key = (await createApiKey(e.s, e.admin, 'cc-anywhere')).key
  })
  afterAll(() => stopEnv(e))

  test('auth → auth:success → subscribe → task:update, task:log, task:completed (then unsubscribe), all in payload', async () => {
    e.mock!.enqueue(reply.text('Processing file... all done.'))
    // started the way CC-Anywhere's REST clients do: with the API key in X-API-Key
    const res = await e.s.api('/api/v1/claude/execute', {
      headers: { 'x-api-key': key },
      body: { workspace_id: e.workspaceId, prompt: 'process the file' },
    })
    expect(res.status).toBe(202)
    const taskId = ((await res.json()) as { execution_id: string }).execution_id

    const c = connect(e, key)
    c.subscribe(taskId) // queued by the client until auth:success
    expect((await c.next((m) => m.type === 'auth:success', 'auth:success')).payload).toEqual({
      message: 'Authenticated successfully',
    })
    const done = await c.next((m) => m.type === 'task:completed', 'task:completed', 30_000)
    expect(done.payload).toMatchObject({ taskId, status: 'completed', result: 'Processing file... all done.' })
    expect(done.payload.timestamp).toMatch(ISO)
    expect((await c.next((m) => m.type === 'unsubscribe:success', 'unsubscribe:success')).payload).toEqual({ taskId })
    expect(c.frames.find((m) => m.type === 'subscribe:success')?.payload).toEqual({ taskId })

    const updates = c.of(taskId, 'task:update')
    expect(updates.map((m) => m.payload.status)).toEqual(['pending', 'running', 'completed'])
    for (const u of updates) expect(u.payload.timestamp).toMatch(ISO)
    expect(updates[1]!.payload.metadata.startedAt).toMatch(ISO)
    expect(updates[2]!.payload.metadata).toMatchObject({ cchubStatus: 'completed', completedAt: expect.any(String) })

    const logs = c.of(taskId, 'task:log')
    for (const l of logs) {
      expect(l.payload.timestamp).toMatch(ISO)
      expect(['debug', 'info', 'warning', 'error']).toContain(l.payload.level)
    }
    expect(logs.find((l) => l.payload.log === 'Processing file... all done.')?.payload.level).toBe('info')
    expect(logs.some((l) => l.payload.level === 'debug' && l.payload.log.startsWith('Claude started'))).toBe(true)
    // the seed's envelope only: {type, payload}, never cchub's data/seq/channel, once the auth frame picked the dialect
    // (cchub's `connected` notice went out before it, on open; docs/protocol.md, seed 003)
    expect(c.frames[0]!.type).toBe('connected')
    for (const m of c.frames.slice(1)) expect(Object.keys(m).sort()).toEqual(['payload', 'type'])

    const sent = Date.now()
    c.send({ type: 'ping', payload: { timestamp: sent } })
    expect((await c.next((m) => m.type === 'pong', 'pong')).payload.timestamp).toBeGreaterThanOrEqual(sent)
  }, 40_000)

  test("a tool call: the call at info, its result at debug, Claude's answer as task:completed's result", async () => {
    e.mock!.enqueue(reply.toolUse('Bash', { command: 'echo hi-seed3', description: 'greet' }, { id: 'toolu_s3' }))
    const taskId = (await execute(e, { prompt: 'run echo', tools: ['Bash'] })).execution_id
    const c = connect(e, key)
    c.subscribe(taskId)
    const done = await c.next((m) => m.type === 'task:completed', 'task:completed', 30_000)
    expect(done.payload.result).toStartWith('Tool finished: hi-seed3')
    const logs = c.of(taskId, 'task:log').map((m) => [m.payload.level, m.payload.log])
    expect(logs).toContainEqual(['info', 'Tool Bash: {"command":"echo hi-seed3","description":"greet"}'])
    expect(logs).toContainEqual(['debug', 'Tool result: hi-seed3'])
    expect(logs.at(-1)).toEqual(['info', expect.stringMatching(/^Finished in 2 turn\(s\)/)])
  }, 40_000)

  test('a failing task: task:update failed, an error-level task:log, task:completed with the error', async () => {
    e.mock!.enqueue(reply.error(500))
    const taskId = (await execute(e, { prompt: 'fail please' })).execution_id
    const c = connect(e, key)
    c.subscribe(taskId)
    const done = await c.next((m) => m.type === 'task:completed', 'task:completed', 30_000)
    expect(done.payload).toMatchObject({ taskId, status: 'failed', error: expect.stringContaining('500') })
    expect(c.of(taskId, 'task:update').at(-1)!.payload.status).toBe('failed')
    expect(c.of(taskId, 'task:log').some((l) => l.payload.level === 'error')).toBe(true)
  }, 40_000)
})

describe('seed 003: errors and limits', () => {
  let e: Env
  let clock: ManualClock
  let key: string
  beforeAll(async () => {
    clock = new ManualClock()
    e = await startEnv({ cli: 'fake', clock })
    key = (await createApiKey(e.s, e.admin, 'cc-anywhere')).key
  })
  afterAll(() => stopEnv(e))

  test('a wrong API key gets auth:error, then the socket is closed (4001)', async () => {
    const c = connect(e, 'cchub_not-a-key')
    const err = await c.next((m) => m.type === 'auth:error', 'auth:error')
    expect(err.payload).toMatchObject({ code: 'UNAUTHORIZED', message: expect.any(String) })
    expect(await c.closedWith()).toMatchObject({ code: 4001 })
    expect(c.authenticated).toBe(false)
  })

  test('errors come as {type:"error", payload:{message, code}} and the socket stays open', async () => {
    const bob = await e.s.createUser(e.admin, 'bob-seed3')
    const bobKey = (await createApiKey(e.s, bob.token, 'bob')).key
    const adminTask = (await execute(e, { prompt: 'hello' })).execution_id
    const c = connect(e, bobKey)
    await c.next((m) => m.type === 'auth:success', 'auth:success')
    const error = (what: string) => c.next((m) => m.type === 'error', what).then((m: Frame) => m.payload)
    c.subscribe(adminTask)
    expect(await error('someone else’s task')).toMatchObject({ code: 'FORBIDDEN', message: expect.any(String) })
    c.send({ type: 'subscribe', payload: {} })
    expect((await error('no taskId')).code).toBe('VALIDATION_FAILED')
    c.send({ type: 'launch', payload: {} })
    expect((await error('unknown type')).code).toBe('UNKNOWN_MESSAGE_TYPE')
    c.ws.send('not json')
    expect((await error('not JSON')).code).toBe('INVALID_JSON')
    c.send({ type: 'ping', payload: { timestamp: 1 } })
    expect(await c.next((m) => m.type === 'pong', 'pong')).toBeDefined()
    expect(c.closed).toBeNull()
  })

  test('losing access to a subscribed task comes as an error (FORBIDDEN)', async () => {
    const carol = await e.s.createUser(e.admin, 'carol-seed3')
    await addMember(e, carol.id, 'viewer')
    const taskId = (await execute(e, { prompt: 'watched' })).execution_id
    const c = connect(e, (await createApiKey(e.s, carol.token, 'carol')).key)
    c.subscribe(taskId)
    await c.next((m) => m.type === 'subscribe:success', 'subscribe:success')
    const res = await e.s.api(`/api/v1/workspaces/${e.workspaceId}/members/${carol.id}`, {
      method: 'DELETE',
      token: e.admin,
    })
    expect(res.status).toBeLessThan(300)
    const err = await c.next((m) => m.type === 'error', 'the revocation')
    expect(err.payload).toEqual({ code: 'FORBIDDEN', message: `Your access to task:${taskId} was revoked` })
  })

  test('cchub.seed-003 subprotocol: connection first; before auth anything else is UNAUTHORIZED; 10 s without auth closes', async () => {
    const c = connect(e, null, ['cchub.seed-003'])
    await c.opened
    expect(c.ws.protocol).toBe('cchub.seed-003')
    expect((await c.next((m) => m.type === 'connection', 'connection')).payload.message).toContain('authenticate')
    c.ws.send(JSON.stringify({ type: 'subscribe', payload: { taskId: 'task-123' } }))
    expect((await c.next((m) => m.type === 'error', 'error')).payload.code).toBe('UNAUTHORIZED')
    clock.advance(10_000) // the seed's (and cchub's) 10 s auth timeout
    expect(await c.closedWith()).toEqual({ code: 4001, reason: 'authentication timeout' })
  })

  test('heartbeats every 30 s; a socket silent for 60 s is closed, one that answers stays', async () => {
    const answering = connect(e, key)
    const silent = connect(e, key)
    silent.silent = true
    await answering.next((m) => m.type === 'auth:success', 'auth:success')
    await silent.next((m) => m.type === 'auth:success', 'auth:success')
    // the frames the server has received, from its admin stats: the answer must arrive before the clock moves on
    const received = async () =>
      ((await (await e.s.api('/api/v1/ws/stats', { token: e.admin })).json()) as any).messages.in as number
    for (let tick = 1; tick <= 3; tick++) {
      const before = await received()
      clock.advance(30_000)
      await answering.next((m) => m.type === 'heartbeat', `heartbeat ${tick}`)
      expect(typeof answering.frames.at(-1)!.payload.timestamp).toBe('number')
      await waitFor(async () => (await received()) > before, 3000, 'the heartbeat answer')
    }
    expect(await silent.closedWith()).toEqual({ code: 4008, reason: 'heartbeat timeout' })
    expect(silent.frames.filter((m) => m.type === 'heartbeat')).toHaveLength(1)
    expect(answering.closed).toBeNull()
  })

  test("cchub's message rate limit applies, answered in the seed's error shape", async () => {
    const c = connect(e, key)
    await c.next((m) => m.type === 'auth:success', 'auth:success')
    for (let i = 0; i < 25; i++) c.send({ type: 'ping', payload: { timestamp: i } })
    expect((await c.next((m) => m.type === 'error', 'RATE_LIMITED')).payload.code).toBe('RATE_LIMITED')
  })
})
