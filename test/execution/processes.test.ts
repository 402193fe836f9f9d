// Cancel escalation with the fake CLI: interrupt → SIGTERM → SIGKILL, and afterwards no zombie and no orphan.
import { afterEach, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import {
  RECORD,
  alive,
  cliProcess,
  descendants,
  enginePids,
  execute,
  getExecution,
  groupMembers,
  ourZombies,
  recordOf,
  startEnv,
  stopEnv,
  waitFor,
  untilTerminal,
  waitStatus,
  watch,
  type Env,
} from './helpers.ts'

// Not even a "tool" the CLI started in a session of its own is left (the real CLI runs Bash that way).

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

function recorded(file: string): any[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  } catch {
    return []
  }
}

async function stubbornEnv(extra: Record<string, string>, config: Record<string, unknown> = {}) {
  e = await startEnv({
    cli: 'fake',
    config: { claudeKillGrace: 0.3, ...config },
    env: { FAKE_CLAUDE_MODE: 'hang', FAKE_CLAUDE_CHILD: '1', FAKE_CLAUDE_RECORD: RECORD, ...extra },
  })
  return recordOf(e.workspacePath)
}

/** Host pids of the engine's one process (bwrap when sandboxed), the CLI it runs and the CLI's `sleep` tool. */
function pidsOf(env: Env): { root: number; cli: number; child: number } {
  const [root] = enginePids(env)
  return { root: root!, cli: cliProcess(root!)!.pid, child: descendants(root!).find((p) => p.comm === 'sleep')!.pid }
}

describe('process clean-up', () => {
  test('cancel escalates past an ignored interrupt and an ignored SIGTERM to SIGKILL; the CLI, its group and its tool are all gone, no zombies', async () => {
    const record = await stubbornEnv({ FAKE_CLAUDE_IGNORE_INTERRUPT: '1', FAKE_CLAUDE_IGNORE_SIGTERM: '1' })
    const ex = await execute(e!, { prompt: 'hang and ignore everything' })
    const c = await watch(e!, ex.websocket_url)
    await c.next((m) => m.type === 'stream', 10_000)
    await waitFor(() => recorded(record).some((r) => r.event === 'child'), 5000, 'the fake tool to start')
    const { root, cli, child } = pidsOf(e!)
    expect(enginePids(e!)).toEqual([root])
    expect(alive(child)).toBe(true)
    // the tool is not in the process group the engine signals: only a signal to its pid reaches it
    expect(groupMembers(root).some((p) => p.pid === child)).toBe(false)
    expect(descendants(cli).some((p) => p.pid === child)).toBe(true)

    const t0 = Date.now()
    const res = await e!.s.api(`/api/v1/claude/executions/${ex.execution_id}/cancel`, {
      method: 'POST',
      token: e!.admin,
    })
    expect(res.status).toBe(200)
    const body = await res.json()
    // interrupt, 0.3 s, SIGTERM, 0.3 s, SIGKILL
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500)
    expect(body).toMatchObject({ status: 'cancelled', error: 'Cancelled by admin', exit_code: null })
    expect((await untilTerminal(c, ex.execution_id, 5000)).data.status).toBe('cancelled')

    await waitFor(
      () => !alive(root) && !alive(cli) && !alive(child) && enginePids(e!).length === 0,
      3000,
      'the CLI and its tool to be gone',
    )
    expect(groupMembers(root)).toEqual([])
    expect(ourZombies()).toEqual([])

    // the killed process is not reused: the next prompt gets a fresh one
    const next = await execute(e!, { prompt: 'again', session_id: ex.session_id })
    await waitFor(() => recorded(record).filter((r) => r.event === 'start').length === 2, 5000, 'a second CLI start')
    const starts = recorded(record).filter((r) => r.event === 'start')
    expect(enginePids(e!)).toHaveLength(1)
    expect(enginePids(e!)[0]).not.toBe(root)
    expect(starts[1].argv).toContain('--resume')
    await e!.s.api(`/api/v1/claude/executions/${next.execution_id}/cancel`, { method: 'POST', token: e!.admin })
    await waitStatus(e!, next.execution_id, ['cancelled'], 5000)
  }, 30_000)

  test('output timeout with an ignored interrupt → SIGTERM ends it as timed_out; nothing left behind', async () => {
    const record = await stubbornEnv({ FAKE_CLAUDE_IGNORE_INTERRUPT: '1' }, { claudeOutputTimeout: 1 })
    const ex = await execute(e!, { prompt: 'hang' })
    await waitFor(() => recorded(record).some((r) => r.event === 'child'), 5000, 'the fake tool to start')
    const { root, cli, child } = pidsOf(e!)
    const got = await waitStatus(e!, ex.execution_id, ['timed_out', 'failed', 'completed'], 10_000)
    expect(got).toMatchObject({ status: 'timed_out', error: 'No output from the Claude CLI for 1 s', exit_code: 143 })
    await waitFor(() => !alive(root) && !alive(cli) && !alive(child), 3000, 'the CLI and its tool to be gone')
    expect(groupMembers(root)).toEqual([])
    expect(ourZombies()).toEqual([])
  }, 30_000)

  test('server stop with a running execution kills everything it started', async () => {
    const record = await stubbornEnv(
      { FAKE_CLAUDE_IGNORE_INTERRUPT: '1', FAKE_CLAUDE_IGNORE_SIGTERM: '1' },
      { shutdownTimeout: 1 },
    )
    const ex = await execute(e!, { prompt: 'hang' })
    await waitFor(() => recorded(record).some((r) => r.event === 'child'), 5000, 'the fake tool to start')
    const { cli, child } = pidsOf(e!)
    const row = await getExecution(e!, ex.execution_id)
    expect(row.status).toBe('running')
    await e!.s.stop()
    await waitFor(() => !alive(cli) && !alive(child), 3000, 'the CLI and its tool to be gone')
    expect(ourZombies()).toEqual([])
  }, 30_000)
})
