// kill -9 of the node running an execution: another node interrupts it within the lease bound; clients resume there.
import { afterEach, describe, expect, test } from 'bun:test'
import { taskChannel } from '../../src/modules/realtime/channels.ts'
import { descendants } from '../execution/helpers.ts'
import { requireCluster, TestCluster, type NodeHandle } from '../support/cluster.ts'
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
