// REAL CLI + mock API: follow-up prompts keep context — same live process first, then --resume after the idle reaper.
import { afterEach, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { reply } from '../support/mock-anthropic.ts'
import {
  alive,
  conversationText,
  enginePids,
  execute,
  getExecution,
  startEnv,
  stopEnv,
  untilTerminal,
  watch,
  type Env,
  waitFor,
} from './helpers.ts'
import { requireRealCli } from '../support/real-cli.ts'

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)

describe.skipIf(!requireRealCli('follow-up prompts (real CLI)'))('follow-up prompts (real CLI)', () => {
  test('session_id keeps context: same process while alive, --resume after the idle TTL reaped it', async () => {
    e = await startEnv({ cli: 'real', config: { claudeProcessIdleTtl: 2 } })
    e.mock!.enqueue(
      reply.text('Noted: the secret word is PINEAPPLE.'),
      reply.text('You told me PINEAPPLE.'),
      reply.text('Still PINEAPPLE.'),
    )

    // 1st prompt: a new session, a new process started with --session-id <our session id>
    const first = await execute(e, { prompt: 'remember the secret word pineapple' })
    const c1 = await watch(e, first.websocket_url)
    expect((await untilTerminal(c1, first.execution_id)).data.status).toBe('completed')
    const [pid1] = enginePids(e)
    expect(pid1).toBeGreaterThan(0)
    expect(alive(pid1!)).toBe(true)
    const argv1 = argvOf(pid1!)
    expect(argv1).toContain('--input-format')
    expect(argv1[argv1.indexOf('--session-id') + 1]).toBe(first.session_id)
    expect(argv1).not.toContain('--resume')
    const session1 = await (await e.s.api(`/api/v1/claude/sessions/${first.session_id}`, { token: e.admin })).json()
    expect(session1.cli_session_id).toBe(first.session_id)

    // 2nd prompt right away: the idle process takes the turn (no restart), and the model sees the 1st exchange
    const second = await execute(e, { prompt: 'what was the secret word?', session_id: first.session_id })
    expect(second.session_id).toBe(first.session_id)
    const c2 = await watch(e, second.websocket_url)
    expect((await untilTerminal(c2, second.execution_id)).data.status).toBe('completed')
    expect(enginePids(e)).toEqual([pid1!])
    expect(alive(pid1!)).toBe(true)
    expect(e.mock!.requests).toHaveLength(2)
    const convo2 = conversationText(e.mock!.requests[1])
    expect(convo2).toContain('user: remember the secret word pineapple')
    expect(convo2).toContain('assistant: Noted: the secret word is PINEAPPLE.')
    expect(convo2).toContain('user: what was the secret word?')

    // idle for longer than the TTL: the reaper ends the process (stdin closed → the CLI exits)
    await waitFor(() => enginePids(e!).length === 0, 8000, 'the idle process to be reaped')
    await waitFor(() => !alive(pid1!), 5000, 'the reaped CLI to exit')

    // 3rd prompt: a fresh process resumed with --resume <cli session id>; the model sees both earlier exchanges
    const third = await execute(e, { prompt: 'and once more?', session_id: first.session_id })
    const c3 = await watch(e, third.websocket_url)
    expect((await untilTerminal(c3, third.execution_id)).data.status).toBe('completed')
    const [pid3] = enginePids(e)
    expect(pid3).not.toBe(pid1)
    const argv3 = argvOf(pid3!)
    expect(argv3[argv3.indexOf('--resume') + 1]).toBe(session1.cli_session_id)
    expect(argv3).not.toContain('--session-id')
    expect(e.mock!.requests).toHaveLength(3)
    const convo3 = conversationText(e.mock!.requests[2])
    expect(convo3).toContain('user: remember the secret word pineapple')
    expect(convo3).toContain('assistant: You told me PINEAPPLE.')
    expect(convo3).toContain('user: and once more?')

    // every turn's cost counts once in the session total, although the CLI reports cumulative totals
    const costs = await Promise.all(
      [first, second, third].map(async (x) => (await getExecution(e!, x.execution_id)).total_cost_usd as number),
    )
    for (const c of costs) expect(c).toBeGreaterThan(0)
    const session = await (await e.s.api(`/api/v1/claude/sessions/${first.session_id}`, { token: e.admin })).json()
    expect(session.total_cost_usd).toBeCloseTo(costs[0]! + costs[1]! + costs[2]!, 10)
    const list = await (
      await e.s.api(`/api/v1/claude/executions?session_id=${first.session_id}`, { token: e.admin })
    ).json()
    expect(list.total).toBe(3)
  }, 30_000)
})
