// REAL CLI + mock API: turns that end in an error — max_turns exceeded, API 500 and 529 — fail with a clear message.
import { afterEach, describe, expect, test } from 'bun:test'
import { reply } from '../support/mock-anthropic.ts'
import { execute, getExecution, startEnv, statusesOf, stopEnv, untilTerminal, watch, type Env } from './helpers.ts'
import { requireRealCli } from '../support/real-cli.ts'

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

describe.skipIf(!requireRealCli('executions that fail (real CLI)'))('executions that fail (real CLI)', () => {
  test('max_turns 1 with a tool_use reply → failed, error names max_turns', async () => {
    e = await startEnv({ cli: 'real' })
    e.mock!.enqueue(reply.toolUse('Bash', { command: 'echo one', description: 'one' }), reply.text('never reached'))
    const ex = await execute(e, { prompt: 'use a tool', max_turns: 1, tools: ['Bash'] })
    const c = await watch(e, ex.websocket_url)
    const final = await untilTerminal(c, ex.execution_id)
    expect(final.data.status).toBe('failed')
    expect(final.data.error).toContain('max_turns')
    const got = await getExecution(e, ex.execution_id)
    expect(got.status).toBe('failed')
    expect(got.error).toBe('Stopped after reaching max_turns: Reached maximum number of turns (1)')
    expect(got.options.max_turns).toBe(1)
    expect(statusesOf(c.channelMessages(`task:${ex.execution_id}`))).toEqual(['queued', 'running', 'failed'])
    // the CLI really stopped after the first model call
    expect(e.mock!.requests).toHaveLength(1)
  }, 30_000)

  for (const [status, word] of [
    [500, 'Internal server error'],
    [529, 'Overloaded'],
  ] as const) {
    test(`API ${status} → failed, error carries the status and the CLI's message; the session still works afterwards`, async () => {
      e = await startEnv({ cli: 'real' })
      e.mock!.enqueue(reply.error(status), reply.text('fine again'))
      const ex = await execute(e, { prompt: 'hello' })
      const c = await watch(e, ex.websocket_url)
      const final = await untilTerminal(c, ex.execution_id)
      expect(final.data.status).toBe('failed')
      const got = await getExecution(e, ex.execution_id)
      expect(got.status).toBe('failed')
      expect(got.error).toStartWith(`Claude API error ${status}`)
      expect(got.error).toContain(word)
      expect(final.data.error).toBe(got.error)
      expect(e.mock!.requests).toHaveLength(1)

      const next = await execute(e, { prompt: 'again', session_id: ex.session_id })
      const c2 = await watch(e, next.websocket_url)
      expect((await untilTerminal(c2, next.execution_id)).data.status).toBe('completed')
    }, 30_000)
  }
})
