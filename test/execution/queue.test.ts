// Limits (slow fake CLI): global process cap, FIFO with visible queue positions, per-user cap, one turn per session.
import { afterEach, describe, expect, test } from 'bun:test'
import {
  addMember,
  execute,
  getExecution,
  processTable,
  startEnv,
  stopEnv,
  waitFor,
  waitStatus,
  type Env,
} from './helpers.ts'

// The per-user cap does not hold others up behind a capped user; a session runs one turn at a time.

let e: Env | undefined
let sampler: ReturnType<typeof setInterval> | undefined
afterEach(async () => {
  clearInterval(sampler)
  await stopEnv(e)
  e = undefined
})

/**
 * Live fake CLI processes started by this test process (the server runs in-process), or the bwrap sandboxes running
 * them.
 */
const fakeProcs = () =>
  processTable().filter((p) => p.ppid === process.pid && p.stat !== 'Z' && p.args.includes('support/fake-claude'))

/** Samples the number of live CLI processes every 5 ms; returns a getter for the maximum seen. */
function sampleMax(): () => number {
  let max = 0
  sampler = setInterval(() => {
    max = Math.max(max, fakeProcs().length, e ? e.s.services.engine.processCount : 0)
  }, 5)
  return () => max
}

const SLOW = { FAKE_CLAUDE_MODE: 'slow', FAKE_CLAUDE_LINES: '6', FAKE_CLAUDE_DELAY_MS: '50' }

describe('concurrency cap and queue', () => {
  test('claudeMaxConcurrent 2: later executions queue with positions 1,2,3, start in FIFO order, never more than 2 CLI processes', async () => {
    e = await startEnv({ cli: 'fake', config: { claudeMaxConcurrent: 2, claudeMaxPerUser: 10 }, env: SLOW })
    const max = sampleMax()
    const exs = []
    for (let i = 0; i < 5; i++) exs.push(await execute(e, { prompt: `job ${i}` }))
    expect(new Set(exs.map((x) => x.session_id)).size).toBe(5)
    expect(exs.map((x) => x.queue_position)).toEqual([null, null, 1, 2, 3])
    expect((await getExecution(e, exs[4]!.execution_id)).queue_position).toBe(3)
    expect((await getExecution(e, exs[2]!.execution_id)).status).toBe('queued')

    const done = await Promise.all(exs.map((x) => waitStatus(e!, x.execution_id, ['completed', 'failed'], 20_000)))
    expect(done.map((d) => `${d.status}${d.error ? `: ${d.error}` : ''}`)).toEqual(Array(5).fill('completed'))
    const starts = done.map((d) => Date.parse(d.started_at))
    // FIFO: each queued job started no earlier than the one before it, and only after a slot was freed
    for (let i = 1; i < 5; i++) expect(starts[i]!).toBeGreaterThanOrEqual(starts[i - 1]!)
    const finishes = done.map((d) => Date.parse(d.finished_at)).sort((x, y) => x - y)
    expect(starts[2]!).toBeGreaterThanOrEqual(finishes[0]!)
    expect(starts[3]!).toBeGreaterThanOrEqual(finishes[1]!)
    expect(max()).toBeGreaterThanOrEqual(2)
    expect(max()).toBeLessThanOrEqual(2)
    expect(e.s.services.engine.processCount).toBeLessThanOrEqual(2)
  }, 30_000)

  test('the queue position of a waiting execution counts down as the queue moves', async () => {
    e = await startEnv({ cli: 'fake', config: { claudeMaxConcurrent: 1, claudeMaxPerUser: 10 }, env: SLOW })
    const exs = []
    for (let i = 0; i < 3; i++) exs.push(await execute(e, { prompt: `job ${i}` }))
    expect(exs.map((x) => x.queue_position)).toEqual([null, 1, 2])
    await waitStatus(e, exs[0]!.execution_id, ['completed'], 10_000)
    const seen = new Set<number | null>()
    const third: string = exs[2]!.execution_id
    await waitFor(
      async () => {
        const got = await getExecution(e!, third)
        seen.add(got.queue_position)
        return got.status !== 'queued'
      },
      10_000,
      'the third job to leave the queue',
    )
    expect(seen.has(1)).toBe(true)
    await waitStatus(e, exs[2]!.execution_id, ['completed'], 10_000)
  }, 30_000)

  test("claudeMaxPerUser 1: a user's second execution waits, another user's runs at once although it queued later", async () => {
    e = await startEnv({
      cli: 'fake',
      config: { claudeMaxConcurrent: 4, claudeMaxPerUser: 1 },
      env: { ...SLOW, FAKE_CLAUDE_LINES: '20' },
    })
    const bob = await e.s.createUser(e.admin, 'bob')
    await addMember(e, bob.id, 'collaborator')
    const a1 = await execute(e, { prompt: 'admin 1' })
    const a2 = await execute(e, { prompt: 'admin 2' })
    const b1 = await execute(e, { prompt: 'bob 1' }, bob.token)
    expect(a2.queue_position).toBe(1)
    expect(b1.queue_position).toBeNull()
    const b1Started = await waitStatus(e, b1.execution_id, ['running', 'completed'], 5000)
    expect((await getExecution(e, a2.execution_id)).status).toBe('queued')
    const a1Done = await waitStatus(e, a1.execution_id, ['completed'], 10_000)
    const a2Done = await waitStatus(e, a2.execution_id, ['completed'], 10_000)
    expect(Date.parse(a2Done.started_at)).toBeGreaterThanOrEqual(Date.parse(a1Done.finished_at))
    expect(Date.parse(b1Started.started_at)).toBeLessThan(Date.parse(a1Done.finished_at))
  }, 30_000)

  test('one turn at a time per session: a second prompt on a busy session queues and then reuses the same process', async () => {
    e = await startEnv({ cli: 'fake', config: { claudeMaxConcurrent: 4, claudeMaxPerUser: 4 }, env: SLOW })
    const first = await execute(e, { prompt: 'one' })
    const second = await execute(e, { prompt: 'two', session_id: first.session_id })
    expect(second.queue_position).toBe(1)
    const pids = new Set<number>()
    sampler = setInterval(() => {
      for (const p of fakeProcs()) pids.add(p.pid)
    }, 5)
    const d1 = await waitStatus(e, first.execution_id, ['completed'], 10_000)
    const d2 = await waitStatus(e, second.execution_id, ['completed'], 10_000)
    expect(Date.parse(d2.started_at)).toBeGreaterThanOrEqual(Date.parse(d1.finished_at))
    expect(pids.size).toBe(1)
  }, 30_000)

  test('cancelling a queued execution takes it out of the queue at once; it never starts and the others move up', async () => {
    e = await startEnv({
      cli: 'fake',
      config: { claudeMaxConcurrent: 1, claudeMaxPerUser: 10 },
      env: { ...SLOW, FAKE_CLAUDE_LINES: '20' },
    })
    const exs = []
    for (let i = 0; i < 3; i++) exs.push(await execute(e, { prompt: `job ${i}` }))
    expect(exs.map((x) => x.queue_position)).toEqual([null, 1, 2])
    const res = await e.s.api(`/api/v1/claude/executions/${exs[1]!.execution_id}/cancel`, {
      method: 'POST',
      token: e.admin,
    })
    expect(await res.json()).toMatchObject({
      status: 'cancelled',
      error: 'Cancelled by admin',
      started_at: null,
      queue_position: null,
    })
    expect((await getExecution(e, exs[2]!.execution_id)).queue_position).toBe(1)
    const last = await waitStatus(e, exs[2]!.execution_id, ['completed'], 15_000)
    const cancelled = await getExecution(e, exs[1]!.execution_id)
    expect(cancelled).toMatchObject({ status: 'cancelled', started_at: null, num_turns: 0 })
    expect(Date.parse(last.started_at)).toBeGreaterThanOrEqual(
      Date.parse((await getExecution(e, exs[0]!.execution_id)).finished_at),
    )
  }, 30_000)
})
