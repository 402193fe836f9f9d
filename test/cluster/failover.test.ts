// kill -9 of the node running an execution: another node interrupts it within the lease bound; clients resume there.
import { afterEach, describe, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { taskChannel } from '../../src/modules/realtime/channels.ts'
import { descendants } from '../execution/helpers.ts'
import { requireCluster, TestCluster, type NodeHandle } from '../support/cluster.ts'
import { ManualClock } from '../support/manual-clock.ts'
import { proxiedRedis, REDIS_URL } from '../support/redis.ts'
import { expectSeqs } from '../support/seqs.ts'
import { waitFor } from '../support/wait.ts'

const hasServices = await requireCluster('test/cluster/failover.test.ts')
const LEASE_MS = 1000
/** The stated bound (docs/scale-out.md): the lease, plus one check (a third of it), plus slack for a loaded machine. */
const BOUND_MS = LEASE_MS + LEASE_MS / 3 + 1000

let cluster: TestCluster | undefined
const strays: number[] = []

afterEach(async () => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  await cluster?.close()
  cluster = undefined
})

async function socket(node: NodeHandle, token: string) {
  const c = await cluster!.pool.connect(`${node.wsUrl}?token=${encodeURIComponent(token)}`)
  await c.next((m) => m.type === 'connected')
  return c
}

/** Node A, and node B (a child process) running a hanging execution that A can read; then B is killed with -9. */
async function hangOnBThenKillIt<N extends NodeHandle>(nodeA: Promise<N>) {
  const a = await nodeA
  const b = await cluster!.child('B')
  const token = await a.login()
  const ws = await (await a.api('/api/v1/workspaces', { token, body: { name: 'w' } })).json()
  const run = await (
    await b.api('/api/v1/claude/execute', { token, body: { workspace_id: ws.id, prompt: 'hang' } })
  ).json()
  const get = async () => (await a.api(`/api/v1/claude/executions/${run.execution_id}`, { token })).json() as any
  await waitFor(async () => (await get()).status === 'running', 10_000, 'the run on B')
  strays.push(...descendants(b.proc.pid).map((p) => p.pid))
  b.proc.kill('SIGKILL')
  await b.proc.exited
  return { a, token, run, get }
}

describe.skipIf(!hasServices)('node failure', () => {
  test('kill -9 of node B mid-run: A marks the execution interrupted within the bound, the client resumes on A with since (no gap, no duplicate), and the session continues on A', async () => {
    cluster = await TestCluster.start({ leaseMs: LEASE_MS, cliEnv: { FAKE_CLAUDE_MODE: 'hang' } })
    const a = await cluster.node('A')
    const b = await cluster.child('B')
    const token = await a.login()
    const ws = await (await a.api('/api/v1/workspaces', { token, body: { name: 'w' } })).json()
    const res = await b.api('/api/v1/claude/execute', { token, body: { workspace_id: ws.id, prompt: 'hang' } })
    expect(res.status).toBe(202)
    const run = (await res.json()) as { execution_id: string; session_id: string }
    const ch = taskChannel(run.execution_id)

    // the client follows the run on B until the CLI has said something
    const onB = await socket(b, token)
    await onB.subscribe(ch, 0)
    await onB.until(() => onB.channelMessages(ch).some((m) => m.type === 'event'), 10_000, 'an event from the CLI on B')
    const seen = onB.channelMessages(ch).map((m) => m.seq!)
    expectSeqs(seen, 0, { what: 'on B before the kill' })

    strays.push(...descendants(b.proc.pid).map((p) => p.pid))
    const killedAt = Date.now()
    b.proc.kill('SIGKILL')
    await b.proc.exited
    let execution: any
    await waitFor(
      async () => {
        execution = await (await a.api(`/api/v1/claude/executions/${run.execution_id}`, { token })).json()
        return execution.status === 'interrupted'
      },
      BOUND_MS + 2000,
      () => `A to report the execution interrupted; last ${JSON.stringify(execution)}`,
    )
    const noticedMs = Date.now() - killedAt
    expect(noticedMs).toBeLessThanOrEqual(BOUND_MS)
    expect(execution.error).toBe('node B stopped responding (lease expired)')

    // reconnect to A after the last seq seen on B: the rest, exactly once, ending with the interrupted status
    const onA = await socket(a, token)
    await onA.subscribe(ch, seen.at(-1)!)
    await onA.until(
      () => onA.channelMessages(ch).some((m) => m.type === 'status' && m.data.status === 'interrupted'),
      5000,
      'the interrupted status on A',
    )
    const head = await a.services.store.events.channelHead(ch)
    await onA.until(() => onA.channelMessages(ch).length === head - seen.at(-1)!, 5000, 'the rest of the channel')
    expectSeqs([...seen, ...onA.channelMessages(ch).map((m) => m.seq!)], 0, { through: head, what: 'B then A' })

    // the session had no live owner any more: the node that gets the next prompt takes it
    const next = await a.api('/api/v1/claude/execute', {
      token,
      body: { workspace_id: ws.id, session_id: run.session_id, prompt: 'go on' },
    })
    expect(next.status).toBe(202)
    const again = (await next.json()) as { execution_id: string }
    await waitFor(() => a.services.engine.isRunning(again.execution_id), 10_000, 'the next turn to run on A')
  })
})

describe.skipIf(!hasServices)('Redis away from one node', () => {
  test('a command for a session owned elsewhere answers 503 NODE_UNAVAILABLE at once, and is routed again once Redis is back', async () => {
    cluster = await TestCluster.start({ cliEnv: { FAKE_CLAUDE_MODE: 'lines' } })
    const { proxy, url } = proxiedRedis()
    const a = await cluster.node('A', { redisUrl: url })
    const b = await cluster.node('B')
    try {
      const token = await a.login()
      const ws = await (await a.api('/api/v1/workspaces', { token, body: { name: 'w' } })).json()
      const first = await (
        await b.api('/api/v1/claude/execute', { token, body: { workspace_id: ws.id, prompt: 'one' } })
      ).json()
      const prompt = () =>
        a.api('/api/v1/claude/execute', {
          token,
          body: { workspace_id: ws.id, session_id: first.session_id, prompt: 'two' },
        })
      proxy.cut()
      const t0 = performance.now()
      const refused = await prompt()
      expect(refused.status).toBe(503)
      expect(((await refused.json()) as any).code).toBe('NODE_UNAVAILABLE')
      expect(performance.now() - t0).toBeLessThan(2000)
      proxy.restore()
      let status = 0
      await waitFor(
        async () => (status = (await prompt()).status) === 202,
        20_000,
        () => `a 202, last ${status}`,
      )
      expect(a.services.engine.processCount).toBe(0)
    } finally {
      proxy.stop()
    }
  })
})

describe.skipIf(!hasServices)('a node restarted under the same CCHUB_NODE_ID', () => {
  test('interrupts what it left at once, without waiting for its old lease to lapse', async () => {
    // a lease far longer than the test: only the restarted node itself can be what interrupts the execution
    cluster = await TestCluster.start({ leaseMs: 60_000, cliEnv: { FAKE_CLAUDE_MODE: 'hang' } })
    const { get } = await hangOnBThenKillIt(cluster.node('A'))
    await cluster.child('B')
    const after = await get()
    expect({ status: after.status, error: after.error }).toEqual({
      status: 'interrupted',
      error: 'node B restarted while this execution ran',
    })
  })
})

describe.skipIf(!hasServices)('a cancel for an execution whose node died', () => {
  test('answers 503 NODE_UNAVAILABLE with Retry-After while the lease holds, and once it has lapsed ends the execution at once, interrupted', async () => {
    // a lease far longer than the test, and A's clock stopped: A's own lease check never comes, only the cancel acts
    cluster = await TestCluster.start({ leaseMs: 60_000, cliEnv: { FAKE_CLAUDE_MODE: 'hang' } })
    const { a, token, run, get } = await hangOnBThenKillIt(cluster.node('A', {}, { clock: new ManualClock() }))
    const cancel = () => a.api(`/api/v1/claude/executions/${run.execution_id}/cancel`, { token, body: {} })

    const refused = await cancel()
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toMatchObject({ code: 'NODE_UNAVAILABLE', details: { node: 'B' } })

    // B's lease lapses (as it would a minute later)
    const redis = new RedisClient(REDIS_URL)
    await redis.send('DEL', [`${cluster.prefix}node:B`])
    redis.close()
    const res = await cancel()
    expect(res.status).toBe(200)
    const ended = { status: 'interrupted', error: 'node B stopped responding (lease expired)', node_id: null }
    expect(await res.json()).toMatchObject(ended)
    expect(await get()).toMatchObject(ended)
    // reaped once: B is no longer listed, and a second cancel finds the execution ended
    expect((await a.services.clusterNode!.nodes()).map((n) => n.id)).toEqual(['A'])
    expect((await cancel()).status).toBe(409)
  })
})
