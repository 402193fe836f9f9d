// CLI faults with the fake CLI (and a missing binary): every one ends the execution with a status and a readable error.
import { afterEach, describe, expect, test } from 'bun:test'
import {
  execute,
  getExecution,
  startEnv,
  statusesOf,
  stopEnv,
  untilTerminal,
  waitStatus,
  watch,
  type Env,
} from './helpers.ts'

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

describe('CLI faults', () => {
  test('CLI missing (claudeBin points nowhere) → failed with "could not be started" and the install hint; the server keeps working', async () => {
    e = await startEnv({ cli: 'fake', config: { claudeBin: '/nonexistent/dir/claude' } })
    const res = await e.s.api('/api/v1/claude/execute', {
      token: e.admin,
      body: { workspace_id: e.workspaceId, prompt: 'hi' },
    })
    expect(res.status).toBe(202)
    const ex = (await res.json()) as { execution_id: string; websocket_url: string }
    const got = await waitStatus(e, ex.execution_id, ['failed'], 5000)
    expect(got.error).toContain('Claude CLI could not be started')
    expect(got.error).toContain('/nonexistent/dir/claude')
    expect(got.error).toContain('install')
    const c = await watch(e, ex.websocket_url)
    const final = await untilTerminal(c, ex.execution_id, 5000)
    expect(final.data).toMatchObject({ status: 'failed', error: got.error })
    // nothing is stuck: a second attempt fails the same way instead of queueing behind a ghost
    const again = await (
      await e.s.api('/api/v1/claude/execute', { token: e.admin, body: { workspace_id: e.workspaceId, prompt: 'hi' } })
    ).json()
    expect((await waitStatus(e, again.execution_id, ['failed'], 5000)).error).toContain('could not be started')
    expect((await e.s.api('/health')).status).toBe(200)
  }, 30_000)

  test('crash → failed with the exit code and the stderr tail; stderr kept on the execution and logged on the channel', async () => {
    e = await startEnv({ cli: 'fake', env: { FAKE_CLAUDE_MODE: 'crash' } })
    const ex = await execute(e, { prompt: 'crash please' })
    const c = await watch(e, ex.websocket_url)
    const final = await untilTerminal(c, ex.execution_id, 10_000)
    expect(final.data.status).toBe('failed')
    const got = await getExecution(e, ex.execution_id)
    expect(got.error).toStartWith('Claude CLI exited with code 1 before finishing')
    expect(got.error).toContain('fake-claude simulated crash')
    expect(got.exit_code).toBe(1)
    expect(got.stderr).toContain('Error: fake-claude simulated crash')
    const task = c.channelMessages(`task:${ex.execution_id}`)
    expect(
      task.some((m) => m.type === 'log' && m.data.stream === 'stderr' && m.data.line.includes('simulated crash')),
    ).toBe(true)
    // the partial output before the crash was relayed
    expect(task.some((m) => m.type === 'stream')).toBe(true)
    expect(statusesOf(task)).toEqual(['queued', 'running', 'failed'])
    // a crashed process is not reused: the next prompt starts a fresh one and fails the same clear way
    const next = await execute(e, { prompt: 'again', session_id: ex.session_id })
    expect((await waitStatus(e, next.execution_id, ['failed'], 10_000)).exit_code).toBe(1)
  }, 30_000)

  test('hang → timed_out after claudeOutputTimeout of silence; the session takes the next prompt', async () => {
    e = await startEnv({ cli: 'fake', config: { claudeOutputTimeout: 1 }, env: { FAKE_CLAUDE_MODE: 'hang' } })
    const ex = await execute(e, { prompt: 'hang' })
    const c = await watch(e, ex.websocket_url)
    const final = await untilTerminal(c, ex.execution_id, 10_000)
    expect(final.data).toMatchObject({ status: 'timed_out', error: 'No output from the Claude CLI for 1 s' })
    expect((await getExecution(e, ex.execution_id)).status).toBe('timed_out')
    const next = await execute(e, { prompt: 'again', session_id: ex.session_id })
    expect((await waitStatus(e, next.execution_id, ['timed_out'], 10_000)).error).toContain('No output')
  }, 30_000)

  test('output that keeps coming but never ends → timed_out by the overall claudeTimeout', async () => {
    // 100 lines 100 ms apart: never silent for 5 s, but takes ~10 s in all
    e = await startEnv({
      cli: 'fake',
      config: { claudeTimeout: 1, claudeOutputTimeout: 5 },
      env: { FAKE_CLAUDE_MODE: 'slow', FAKE_CLAUDE_LINES: '100', FAKE_CLAUDE_DELAY_MS: '100' },
    })
    const ex = await execute(e, { prompt: 'slow' })
    const got = await waitStatus(e, ex.execution_id, ['timed_out', 'completed', 'failed'], 10_000)
    expect(got.status).toBe('timed_out')
    expect(got.error).toBe('Execution exceeded the overall timeout of 1 s')
  }, 30_000)

  test('garbage lines are kept as log lines and the execution still completes', async () => {
    e = await startEnv({ cli: 'fake', env: { FAKE_CLAUDE_MODE: 'garbage' } })
    const ex = await execute(e, { prompt: 'garbage' })
    const c = await watch(e, ex.websocket_url)
    expect((await untilTerminal(c, ex.execution_id, 10_000)).data.status).toBe('completed')
    const logs = c
      .channelMessages(`task:${ex.execution_id}`)
      .filter((m) => m.type === 'log')
      .map((m) => m.data.line)
    expect(logs).toContain('this is not json')
    expect(logs).toContain('{"truncated": ')
  }, 30_000)
})
