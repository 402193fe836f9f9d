// Two cchub nodes on one PostgreSQL database and one Redis prefix: following, routing and appending across nodes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { taskChannel } from '../../src/modules/realtime/channels.ts'
import { TERMINAL } from '../execution/helpers.ts'
import { requireCluster, TestCluster, type NodeHandle } from '../support/cluster.ts'
import { expectSeqs } from '../support/seqs.ts'
import type { TestServer } from '../support/server.ts'
import { waitFor } from '../support/wait.ts'
import type { WsClient } from '../support/ws-client.ts'

const hasServices = await requireCluster('test/cluster/nodes.test.ts')

let cluster: TestCluster
let a: TestServer & { id: string }
let b: TestServer & { id: string }
let token: string
let ws: { id: string; path: string }

beforeAll(async () => {
  if (!hasServices) return
  cluster = await TestCluster.start({ cliEnv: { FAKE_CLAUDE_MODE: 'slow', FAKE_CLAUDE_DELAY_MS: '20' } })
  a = await cluster.node('A')
  b = await cluster.node('B')
  token = await a.login()
  ws = await (await a.api('/api/v1/workspaces', { token, body: { name: 'shared' } })).json()
})

afterAll(async () => {
  if (hasServices) await cluster.close()
})

async function execute(node: NodeHandle, body: Record<string, unknown>) {
  const res = await node.api('/api/v1/claude/execute', { token, body: { workspace_id: ws.id, ...body } })
  return { status: res.status, body: (await res.json()) as any }
}

/** A socket on `node` following the execution's task channel from the start. */
async function follow(node: NodeHandle, executionId: string, since = 0): Promise<WsClient> {
  const c = await cluster.pool.connect(`${node.wsUrl}?token=${encodeURIComponent(token)}`)
  await c.next((m) => m.type === 'connected')
  await c.subscribe(taskChannel(executionId), since)
  return c
}

const isTerminal = (id: string) => (m: { type: string; data?: any }) =>
  m.type === 'status' && m.data?.execution_id === id && (TERMINAL as readonly string[]).includes(m.data.status)

describe.skipIf(!hasServices)('two nodes', () => {
  let sessionId: string

  test('a client on node A follows an execution running on node B: every message, in seq order, once', async () => {
    const run = await execute(b, { prompt: 'count for me' })
    expect(run.status).toBe(202)
    sessionId = run.body.session_id
    const onA = await follow(a, run.body.execution_id)
    expect(
      b.services.engine.isRunning(run.body.execution_id) || b.services.engine.position(run.body.execution_id),
    ).toBeTruthy()
    expect(a.services.engine.processCount).toBe(0)
    const end = await onA.next(isTerminal(run.body.execution_id), 20_000)
    expect(end.data.status).toBe('completed')
    const seqs = onA.channelMessages(taskChannel(run.body.execution_id)).map((m) => m.seq!)
    const head = await a.services.store.events.channelHead(taskChannel(run.body.execution_id))
    expectSeqs(seqs, 0, { through: head, what: 'task channel on A' })
    expect(
      onA.channelMessages(taskChannel(run.body.execution_id)).filter((m) => m.type === 'event').length,
    ).toBeGreaterThan(5)
  })

  test('a prompt sent to A for a session B owns runs on B (its live process), and A answers as if it were local', async () => {
    const run = await execute(a, { prompt: 'and again', session_id: sessionId })
    expect(run.status).toBe(202)
    expect(run.body.session_id).toBe(sessionId)
    const onA = await follow(a, run.body.execution_id)
    await onA.next(isTerminal(run.body.execution_id), 20_000)
    // B's process took the turn; A never started one
    expect(b.services.engine.liveProcess(sessionId)).toBeDefined()
    expect(a.services.engine.processCount).toBe(0)
    const got = await (await a.api(`/api/v1/claude/executions/${run.body.execution_id}`, { token })).json()
    expect(got.status).toBe('completed')
  })

  test('a cancel sent to A reaches the run on B', async () => {
    const run = await execute(b, { prompt: 'long one', session_id: sessionId })
    await waitFor(() => b.services.engine.isRunning(run.body.execution_id), 10_000, 'the run on B')
    const res = await a.api(`/api/v1/claude/executions/${run.body.execution_id}/cancel`, { token, body: {} })
    expect(res.status).toBe(200)
    expect(((await res.json()) as any).status).toBe('cancelled')
    expect(b.services.engine.isRunning(run.body.execution_id)).toBe(false)
  })

  test('concurrent appends from both nodes to one channel: gap-free seqs, and both nodes deliver all of them in order', async () => {
    const ch = `session:${sessionId}`
    const head = await a.services.store.events.channelHead(ch)
    const [onA, onB] = [
      await cluster.pool.connect(`${a.wsUrl}?token=${token}`),
      await cluster.pool.connect(`${b.wsUrl}?token=${token}`),
    ]
    for (const c of [onA, onB]) {
      await c.next((m) => m.type === 'connected')
      await c.subscribe(ch, head)
    }
    const N = 150
    const emitted = await Promise.all(
      [a, b].flatMap((n) => Array.from({ length: N }, (_, i) => n.services.log.emit(ch, 'note', { by: n.id, i }))),
    )
    const stored = emitted.map((seq) => seq!).sort((x, y) => x - y)
    expectSeqs(stored, head, { through: head + 2 * N, what: 'stored seqs' })
    for (const [name, c] of [
      ['A', onA],
      ['B', onB],
    ] as const) {
      await c.until(() => c.channelMessages(ch).length >= 2 * N, 10_000, `${name} to deliver ${2 * N}`)
      expectSeqs(
        c.channelMessages(ch).map((m) => m.seq!),
        head,
        { through: head + 2 * N, what: `delivered on ${name}` },
      )
    }
  })

  test('a node that cannot reach the workspace directory says so (503 WORKSPACE_UNREACHABLE), and nothing is queued', async () => {
    const other = await (await a.api('/api/v1/workspaces', { token, body: { name: 'gone' } })).json()
    rmSync(other.path, { recursive: true, force: true })
    const res = await a.api('/api/v1/claude/execute', { token, body: { workspace_id: other.id, prompt: 'hello' } })
    expect(res.status).toBe(503)
    expect(((await res.json()) as any).code).toBe('WORKSPACE_UNREACHABLE')
    const list = await (await a.api(`/api/v1/claude/executions?status=queued`, { token })).json()
    expect(list.total).toBe(0)
  })
})
