// What any node answers for the whole cluster: where an execution is queued, and stopping runs held by another node.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { alive } from '../execution/helpers.ts'
import { requireCluster, TestCluster, type NodeHandle } from '../support/cluster.ts'
import type { TestServer } from '../support/server.ts'
import { waitFor } from '../support/wait.ts'

const hasServices = await requireCluster('test/cluster/cluster-wide.test.ts')

let cluster: TestCluster
let a: TestServer & { id: string }
let b: TestServer & { id: string }
let admin: string

beforeAll(async () => {
  if (!hasServices) return
  cluster = await TestCluster.start({ cliEnv: { FAKE_CLAUDE_MODE: 'hang' } })
  a = await cluster.node('A')
  // one run at a time on B, so that a second one waits in B's queue
  b = await cluster.node('B', { claudeMaxConcurrent: 1 })
  admin = await a.login()
})

// B runs one thing at a time: what a test left running must not hold up the next one
afterEach(async () => {
  if (hasServices) await b.services.engine.stopWhere(() => true, [], 'the test ended')
})

afterAll(async () => {
  if (hasServices) await cluster.close()
})

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any })

async function workspace(token: string, name: string): Promise<{ id: string; path: string }> {
  return (await a.api('/api/v1/workspaces', { token, body: { name } })).json() as Promise<{ id: string; path: string }>
}

async function run(node: NodeHandle, token: string, body: Record<string, unknown>) {
  const res = await json(await node.api('/api/v1/claude/execute', { token, body: { prompt: 'hang', ...body } }))
  expect(res.status).toBe(202)
  return res.body as { execution_id: string; session_id: string; node_id: string }
}

/** Waits until the execution runs on B, and answers its CLI's pid. */
async function runningOnB(id: string): Promise<number> {
  await waitFor(() => b.services.engine.isRunning(id), 10_000, `execution ${id} to run on B`)
  let pid: number | null | undefined
  await waitFor(async () => Boolean((pid = (await b.services.store.executions.byId(id))?.pid)), 5000, 'its pid')
  return pid!
}

const execution = async (node: NodeHandle, token: string, id: string) =>
  (await json(await node.api(`/api/v1/claude/executions/${id}`, { token }))).body

describe.skipIf(!hasServices)('the execution queue seen from another node', () => {
  test("GET on A names the node that holds the execution and its place in that node's queue", async () => {
    const ws = await workspace(admin, 'queued')
    const first = await run(b, admin, { workspace_id: ws.id })
    await runningOnB(first.execution_id)
    const second = await run(b, admin, { workspace_id: ws.id })
    expect(second).toMatchObject({ node_id: 'B' })

    expect(await execution(a, admin, second.execution_id)).toMatchObject({
      status: 'queued',
      node_id: 'B',
      queue_position: 1,
    })
    expect(await execution(a, admin, first.execution_id)).toMatchObject({
      status: 'running',
      node_id: 'B',
      queue_position: null,
    })
    const list = (await json(await a.api('/api/v1/claude/executions?status=queued', { token: admin }))).body
    expect(list.executions.map((e: any) => [e.id, e.node_id, e.queue_position])).toEqual([
      [second.execution_id, 'B', 1],
    ])

    for (const id of [second.execution_id, first.execution_id])
      expect((await a.api(`/api/v1/claude/executions/${id}/cancel`, { token: admin, body: {} })).status).toBe(200)
    // ended: no node holds it any more
    expect(await execution(a, admin, first.execution_id)).toMatchObject({
      status: 'cancelled',
      node_id: null,
      queue_position: null,
    })
  })
})

describe.skipIf(!hasServices)('stopping runs that another node holds', () => {
  test("deleting a workspace on A stops its run on B, and A's answer waited for B's CLI to exit", async () => {
    const ws = await workspace(admin, 'doomed')
    const r = await run(b, admin, { workspace_id: ws.id })
    const pid = await runningOnB(r.execution_id)
    const res = await json(await a.api(`/api/v1/workspaces/${ws.id}`, { method: 'DELETE', token: admin }))
    expect(res).toEqual({ status: 200, body: { ok: true, cancelled_executions: 1 } })
    expect(alive(pid)).toBe(false)
    const ended = await b.services.store.executions.byId(r.execution_id)
    expect(ended).toBeNull() // gone with its workspace, after it had ended on B
    expect(b.services.engine.processCount).toBe(0)
  })

  test('disabling a user on A cancels their run on B', async () => {
    const dora = await a.createUser(admin, 'dora')
    const ws = await workspace(dora.token, 'dora-ws')
    const r = await run(b, dora.token, { workspace_id: ws.id })
    const pid = await runningOnB(r.execution_id)
    const res = await a.api(`/api/v1/users/${dora.id}`, { method: 'PATCH', token: admin, body: { disabled: true } })
    expect(res.status).toBe(200)
    expect(alive(pid)).toBe(false)
    expect(await execution(a, admin, r.execution_id)).toMatchObject({
      status: 'cancelled',
      error: 'User dora was disabled',
    })
  })

  test('deleting a user on A cancels their run on B and counts it', async () => {
    const eve = await a.createUser(admin, 'eve')
    const ws = await workspace(eve.token, 'eve-ws')
    const r = await run(b, eve.token, { workspace_id: ws.id })
    const pid = await runningOnB(r.execution_id)
    const res = await json(await a.api(`/api/v1/users/${eve.id}`, { method: 'DELETE', token: admin }))
    expect(res.status).toBe(200)
    expect(res.body.cancelled_executions).toBe(1)
    expect(alive(pid)).toBe(false)
  })

  test("removing a participant on A cancels the run they started on B, not the owner's session", async () => {
    const finn = await a.createUser(admin, 'finn')
    const ws = await workspace(admin, 'shared')
    const own = await run(b, admin, { workspace_id: ws.id })
    await a.api(`/api/v1/claude/executions/${own.execution_id}/cancel`, { token: admin, body: {} })
    const invite = await a.api(`/api/v1/claude/sessions/${own.session_id}/participants`, {
      token: admin,
      body: { user_id: finn.id, role: 'collaborator' },
    })
    expect(invite.status).toBe(201)
    // sent to A, run on B: B holds the session
    const theirs = await run(a, finn.token, { workspace_id: ws.id, session_id: own.session_id })
    expect(theirs.node_id).toBe('B')
    const pid = await runningOnB(theirs.execution_id)
    const res = await a.api(`/api/v1/claude/sessions/${own.session_id}/participants/${finn.id}`, {
      method: 'DELETE',
      token: admin,
    })
    expect(res.status).toBe(200)
    expect(alive(pid)).toBe(false)
    expect(await execution(a, admin, theirs.execution_id)).toMatchObject({
      status: 'cancelled',
      error: 'finn was removed by admin',
    })
    // the session itself goes on for its owner
    const next = await run(a, admin, { workspace_id: ws.id, session_id: own.session_id })
    await runningOnB(next.execution_id)
    await a.api(`/api/v1/claude/executions/${next.execution_id}/cancel`, { token: admin, body: {} })
  })
})

describe.skipIf(!hasServices)('revocations made on A, felt on B', () => {
  test('a logout on A closes the socket on B opened with that token (4002), and B refuses the token', async () => {
    const gil = await a.createUser(admin, 'gil')
    const onB = await cluster.pool.connect(`${b.wsUrl}?token=${encodeURIComponent(gil.token)}`)
    await onB.next((m) => m.type === 'connected')
    expect((await a.api('/api/v1/auth/logout', { token: gil.token, body: {} })).status).toBe(200)
    expect((await onB.closed).code).toBe(4002)
    const me = await json(await b.api('/api/v1/users/me', { token: gil.token }))
    expect({ status: me.status, code: me.body.code }).toEqual({ status: 401, code: 'TOKEN_REVOKED' })
  })

  test('disabling a user on A closes their socket on B (4003) and B refuses their token', async () => {
    const hal = await a.createUser(admin, 'hal')
    const onB = await cluster.pool.connect(`${b.wsUrl}?token=${encodeURIComponent(hal.token)}`)
    await onB.next((m) => m.type === 'connected')
    await a.api(`/api/v1/users/${hal.id}`, { method: 'PATCH', token: admin, body: { disabled: true } })
    expect((await onB.closed).code).toBe(4003)
    expect((await b.api('/api/v1/users/me', { token: hal.token })).status).toBe(403)
  })
})
