// CLI faults against a server in its own process: hangs (also ignoring SIGTERM), crashes, garbage, a 5 MB line, no CLI.
import { afterAll, describe, expect, test } from 'bun:test'
import { childrenOf, processesIn } from '../../bench/lib/proc.ts'
import { FAKE_CLAUDE, FAKE_VARS } from '../../bench/lib/targets.ts'
import { api, json, startServerChild, type Target } from './helpers.ts'
import { waitFor } from '../support/wait.ts'

// Each execution ends with a clear status and a readable error; no zombie is left under the server, and no CLI process
// outlives the server.

const started: Target[] = []
afterAll(async () => {
  for (const s of started) await s.stop().catch(() => {})
})

interface Fault {
  name: string
  env?: Record<string, string>
  flags?: string[]
  status: string
  error: RegExp | null
  /**
   * The CLI process must be gone once the execution has ended. Otherwise it may stay idle for the next prompt: a hang
   * ends with an interrupt the CLI answers, which leaves a healthy process; it must be gone once the server stops.
   */
  gone: boolean
}

const FAULTS: Fault[] = [
  {
    name: 'hang',
    env: { FAKE_CLAUDE_MODE: 'hang' },
    flags: ['--claude-output-timeout', '1'],
    status: 'timed_out',
    error: /No output from the Claude CLI for 1 s/,
    gone: false,
  },
  {
    name: 'hang, ignoring SIGTERM',
    env: { FAKE_CLAUDE_MODE: 'hang', FAKE_CLAUDE_IGNORE_SIGTERM: '1', FAKE_CLAUDE_IGNORE_INTERRUPT: '1' },
    flags: ['--claude-output-timeout', '1', '--claude-kill-grace', '0.3'],
    status: 'timed_out',
    error: /No output/,
    gone: true,
  },
  { name: 'crash', env: { FAKE_CLAUDE_MODE: 'crash' }, status: 'failed', error: /exited with code 1/, gone: true },
  { name: 'garbage lines', env: { FAKE_CLAUDE_MODE: 'garbage' }, status: 'completed', error: null, gone: false },
  {
    name: 'a 5 MB line',
    env: { FAKE_CLAUDE_MODE: 'huge', FAKE_CLAUDE_HUGE_BYTES: String(5 * 1024 * 1024) },
    status: 'completed',
    error: null,
    gone: false,
  },
  {
    name: 'missing binary',
    flags: ['--claude-bin', '/nonexistent/dir/claude'],
    status: 'failed',
    error: /could not be started/,
    gone: true,
  },
]

describe('CLI faults end with a clear status and leave no zombie', () => {
  for (const fault of FAULTS) {
    test(fault.name, async () => {
      const s = await startServerChild({
        env: fault.env,
        flags: [
          '--claude-bin',
          FAKE_CLAUDE,
          '--claude-env-allow',
          FAKE_VARS.join(','),
          '--claude-kill-grace',
          '1',
          ...(fault.flags ?? []),
        ],
        name: `cchub-${fault.name}`,
      })
      started.push(s)
      const { workspace_id } = await s.child.request('setup', { sessions: 0 })
      const ex = await json(
        api(s, '/api/v1/claude/execute', { body: { workspace_id, prompt: `fault: ${fault.name}` } }),
      )
      expect(ex.execution_id).toBeString()
      let last: any
      await waitFor(
        async () => {
          last = await json(api(s, `/api/v1/claude/executions/${ex.execution_id}`))
          return ['completed', 'failed', 'cancelled', 'timed_out', 'interrupted'].includes(last.status)
        },
        15_000,
        `${fault.name}: a final status`,
      )
      expect(last.status).toBe(fault.status)
      if (fault.error) expect(String(last.error)).toMatch(fault.error)
      else expect(last.error).toBeNull()

      // the stored log has the run from start to end (and, for the huge line, the line itself in some form)
      const logs = await json(api(s, `/api/v1/claude/sessions/${ex.session_id}/logs?limit=1000`))
      expect(logs.logs.some((l: any) => l.type === 'status' && l.data.status === fault.status)).toBe(true)

      if (fault.gone)
        await waitFor(() => processesIn(s.dataDir!).length === 0, 5000, `${fault.name}: the CLI process to be gone`)
      await waitFor(
        () => childrenOf(s.pid).every((c) => c.state !== 'Z'),
        3000,
        `${fault.name}: no zombie under the server`,
      )

      // the server takes the next prompt, and stopping it leaves nothing behind
      expect((await api(s, '/health')).status).toBe(200)
      await s.stop()
      expect(processesIn(s.dataDir!)).toEqual([])
    }, 40_000)
  }
})
