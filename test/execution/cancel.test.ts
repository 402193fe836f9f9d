// REAL CLI + mock API: cancel mid-stream (interrupt, the process survives), then the session takes the next prompt.
import { afterEach, describe, expect, test } from 'bun:test'
import { reply } from '../support/mock-anthropic.ts'
import {
  alive,
  conversationText,
  descendants,
  enginePids,
  execute,
  getExecution,
  groupMembers,
  ourZombies,
  startEnv,
  statusesOf,
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

describe.skipIf(!requireRealCli('cancel (real CLI)'))('cancel (real CLI)', () => {
  test('cancel mid-stream → cancelled quickly, error names who cancelled; the session continues afterwards', async () => {
    e = await startEnv({ cli: 'real' })
    // 200 deltas 50 ms apart: ~10 s of streaming unless cancelled
    e.mock!.enqueue(reply.text('x '.repeat(200), { chunks: 200, delayMs: 50 }), reply.text('after the cancel'))
    const ex = await execute(e, { prompt: 'talk for a long time' })
    const c = await watch(e, ex.websocket_url)
    await c.next((m) => m.type === 'stream', 15_000)
    const [pid] = enginePids(e)

    const res = await e.s.api(`/api/v1/claude/executions/${ex.execution_id}/cancel`, { method: 'POST', token: e.admin })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.status).toBe('cancelled')
    expect(body.error).toBe('Cancelled by admin')
    const final = await untilTerminal(c, ex.execution_id, 5000)
    expect(final.data).toMatchObject({ status: 'cancelled', error: 'Cancelled by admin' })
    expect(statusesOf(c.channelMessages(`task:${ex.execution_id}`))).toEqual(['queued', 'running', 'cancelled'])
    // the CLI ended the turn cleanly (interrupt), so the stream stopped far before its end
    const streamed = c
      .channelMessages(`task:${ex.execution_id}`)
      .filter((m) => m.type === 'stream')
      .map((m) => m.data.text)
      .join('')
    expect(streamed.length).toBeLessThan(400)
    // cancelling again is a conflict, not a crash
    const again = await e.s.api(`/api/v1/claude/executions/${ex.execution_id}/cancel`, {
      method: 'POST',
      token: e.admin,
    })
    expect(again.status).toBe(409)

    // the interrupted process is kept and takes the next prompt; the model sees the interruption
    expect(enginePids(e)).toEqual([pid!])
    const next = await execute(e, { prompt: 'are you still there?', session_id: ex.session_id })
    const c2 = await watch(e, next.websocket_url)
    expect((await untilTerminal(c2, next.execution_id)).data.status).toBe('completed')
    expect(enginePids(e)).toEqual([pid!])
    const convo = conversationText(e.mock!.requests.at(-1))
    expect(convo).toContain('[Request interrupted by user]')
    expect(convo).toContain('user: are you still there?')
    expect((await getExecution(e, next.execution_id)).status).toBe('completed')
  }, 30_000)

  test('cancel during a running Bash tool kills the tool: nothing of it is left in the process group, no zombies', async () => {
    e = await startEnv({ cli: 'real' })
    e.mock!.enqueue(
      reply.toolUse('Bash', { command: 'tail -f /dev/null', description: 'wait' }, { id: 'toolu_sleep' }),
      reply.text('ok'),
    )
    const ex = await execute(e, { prompt: 'sleep a while', tools: ['Bash'] })
    const c = await watch(e, ex.websocket_url)
    const [pid] = await (async () => {
      await waitFor(() => enginePids(e!).length === 1, 10_000, 'the CLI process')
      return enginePids(e!)
    })()
    // the CLI runs Bash in a session of its own: find the tool as a descendant of the CLI
    const tool = () => descendants(pid!).filter((p) => p.comm === 'tail' && p.args === 'tail -f /dev/null')
    await waitFor(() => tool().length === 1, 15_000, 'the Bash tool to start')
    const [tail] = tool()

    const res = await e.s.api(`/api/v1/claude/executions/${ex.execution_id}/cancel`, { method: 'POST', token: e.admin })
    expect(res.status).toBe(200)
    expect((await res.json()).status).toBe('cancelled')
    await untilTerminal(c, ex.execution_id, 5000)
    await waitFor(() => !alive(tail!.pid), 5000, 'the tool process to be gone')
    expect(ourZombies()).toEqual([])

    // closing the session ends the CLI: then nothing at all remains in its process group
    const del = await e.s.api(`/api/v1/claude/sessions/${ex.session_id}`, { method: 'DELETE', token: e.admin })
    expect(del.status).toBe(200)
    await waitFor(
      () => groupMembers(pid!).length === 0 && descendants(pid!).length === 0,
      8000,
      `process group ${pid} to be empty`,
    )
    expect(alive(pid!)).toBe(false)
    expect(ourZombies()).toEqual([])
  }, 30_000)
})
