// REAL CLI + mock API: one prompt streamed end to end to a WebSocket client on websocket_url, then read back over REST.
import { afterEach, describe, expect, test } from 'bun:test'
import { reply } from '../support/mock-anthropic.ts'
import {
  cliEvents,
  execute,
  getExecution,
  socket,
  startEnv,
  statusesOf,
  stopEnv,
  untilTerminal,
  watch,
  type Env,
} from './helpers.ts'
import { requireRealCli } from '../support/real-cli.ts'

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

describe.skipIf(!requireRealCli('execution streamed end to end (real CLI)'))(
  'execution streamed end to end (real CLI)',
  () => {
    test('prompt attribution, queued→running→completed, init, every delta inside coalesced stream frames, assistant, result, cost', async () => {
      e = await startEnv({ cli: 'real' })
      const chunks = Array.from({ length: 60 }, (_, i) => `w${i} `)
      const text = chunks.join('')
      // 60 deltas 2 ms apart (~120 ms): far more deltas than 25 frames/s allows
      e.mock!.enqueue(reply.text(text, { chunks, delayMs: 2 }))

      const ex = await execute(e, { prompt: 'stream me something' })
      expect(['queued', 'running']).toContain(ex.status)
      expect(ex.websocket_url).toBe(`/ws/executions/${ex.execution_id}`)
      const c = await watch(e, ex.websocket_url)
      const done = await untilTerminal(c, ex.execution_id, 20_000)
      expect(done.data.status).toBe('completed')

      const task = c.channelMessages(`task:${ex.execution_id}`)
      // the execution's socket replays the task channel from its start: nothing is missing, seqs are contiguous
      expect(task.map((m) => m.seq)).toEqual(task.map((_, i) => i + 1))

      const prompt = task.find((m) => m.type === 'prompt')!
      expect(prompt.data).toMatchObject({
        execution_id: ex.execution_id,
        user_id: e.adminId,
        username: 'admin',
        prompt: 'stream me something',
      })
      expect(statusesOf(task)).toEqual(['queued', 'running', 'completed'])

      const events = cliEvents(task)
      const init = events.find((ev) => ev.type === 'system' && ev.subtype === 'init')
      expect(init).toBeDefined()
      expect(init.cwd).toBe(e.workspacePath)
      const firstAssistant = task.findIndex((m) => m.type === 'event' && m.data.event.type === 'assistant')
      const resultIdx = task.findIndex((m) => m.type === 'event' && m.data.event.type === 'result')
      expect(firstAssistant).toBeGreaterThan(0)
      expect(resultIdx).toBeGreaterThan(firstAssistant)
      const assistant = task[firstAssistant]!.data.event
      expect(assistant.message.content[0]).toMatchObject({ type: 'text', text })
      const result = task[resultIdx]!.data.event
      expect(result).toMatchObject({ subtype: 'success', is_error: false, result: text })

      // token deltas: only in `stream` frames, every raw text_delta event is there, in order, and texts concatenate
      const streams = task.filter((m) => m.type === 'stream')
      const rawDeltas = streams.flatMap((m) => m.data.events as any[])
      expect(rawDeltas.every((ev) => ev.type === 'stream_event' && ev.event.delta?.type === 'text_delta')).toBe(true)
      expect(rawDeltas.map((ev) => ev.event.delta.text)).toEqual(chunks)
      expect(streams.map((m) => m.data.text).join('')).toBe(text)
      for (const m of streams)
        expect(m.data.text).toBe((m.data.events as any[]).map((ev) => ev.event.delta.text).join(''))
      expect(streams.length).toBeGreaterThan(0)
      expect(streams.length).toBeLessThan(chunks.length / 4)
      // no text delta leaks out as its own `event` frame
      expect(events.some((ev) => ev.type === 'stream_event' && ev.event?.delta?.type === 'text_delta')).toBe(false)
      // the stream frames come between init and the result
      const firstStream = task.findIndex((m) => m.type === 'stream')
      expect(firstStream).toBeGreaterThan(task.findIndex((m) => m.type === 'event' && m.data.event.subtype === 'init'))
      expect(task.findLastIndex((m) => m.type === 'stream')).toBeLessThan(resultIdx)

      const got = await getExecution(e, ex.execution_id)
      expect(got).toMatchObject({
        id: ex.execution_id,
        status: 'completed',
        error: null,
        user_id: e.adminId,
        num_turns: 1,
        queue_position: null,
        exit_code: null,
      })
      expect(got.total_cost_usd).toBeGreaterThan(0)
      expect(got.usage.output_tokens).toBeGreaterThan(0)
      expect(got.usage.input_tokens).toBeGreaterThan(0)
      expect(got.message_count).toBeGreaterThanOrEqual(1)
      expect(Date.parse(got.started_at)).toBeGreaterThanOrEqual(Date.parse(got.created_at))
      expect(Date.parse(got.finished_at)).toBeGreaterThanOrEqual(Date.parse(got.started_at))
      expect(got.duration_ms).toBe(Date.parse(got.finished_at) - Date.parse(got.started_at))
      // the final status message carries the same numbers
      expect(done.data.total_cost_usd).toBe(got.total_cost_usd)

      const session = await (await e.s.api(`/api/v1/claude/sessions/${ex.session_id}`, { token: e.admin })).json()
      expect(session.total_cost_usd).toBe(got.total_cost_usd)
      expect(session.cli_session_id).toBe(init.session_id)
      expect(session.usage.output_tokens).toBe(got.usage.output_tokens)
      expect(e.mock!.unknownPaths).toEqual([])
    }, 30_000)
  },
)

describe('token coalescing (fake CLI)', () => {
  test('a steady token stream (fake CLI, 150 deltas over ~1.5 s) arrives live at no more than ~25 frames a second, nothing lost', async () => {
    e = await startEnv({
      cli: 'fake',
      env: { FAKE_CLAUDE_MODE: 'slow', FAKE_CLAUDE_LINES: '150', FAKE_CLAUDE_DELAY_MS: '10' },
    })
    const ex = await execute(e, { prompt: 'stream steadily' })
    const c = await watch(e, ex.websocket_url)
    const arrivals: number[] = []
    c.onMessage = (m) => void (m.type === 'stream' && arrivals.push(Date.now()))
    expect((await untilTerminal(c, ex.execution_id, 20_000)).data.status).toBe('completed')
    const streams = c.channelMessages(`task:${ex.execution_id}`).filter((m) => m.type === 'stream')
    const deltas = streams.flatMap((m) => m.data.events as any[])
    expect(deltas).toHaveLength(150)
    expect(streams.map((m) => m.data.text).join('')).toBe(Array.from({ length: 150 }, (_, i) => `tok${i} `).join(''))
    const span = (arrivals.at(-1)! - arrivals[0]!) / 1000
    expect(span).toBeGreaterThan(0.5) // live, not one batch at the end
    expect(streams.length).toBeGreaterThan(5)
    expect(streams.length).toBeLessThanOrEqual(Math.ceil(span * 25) + 3)
  }, 30_000)

  test('workspace:<id> and user:<id> get the status changes only; session:<id> gets everything the task channel gets', async () => {
    e = await startEnv({ cli: 'fake', env: { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '20' } })
    const c = await socket(e)
    await c.subscribe(`workspace:${e.workspaceId}`)
    await c.subscribe(`user:${e.adminId}`)
    const ex = await execute(e, { prompt: 'channels' })
    await c.subscribe(`session:${ex.session_id}`, 0)
    await c.subscribe(`task:${ex.execution_id}`, 0)
    await untilTerminal(c, ex.execution_id, 10_000)
    await c.until(
      () =>
        c
          .channelMessages(`task:${ex.execution_id}`)
          .some((m) => m.type === 'status' && m.data.status === 'completed') &&
        c.channelMessages(`session:${ex.session_id}`).some((m) => m.type === 'status' && m.data.status === 'completed'),
      5000,
    )
    for (const ch of [`workspace:${e.workspaceId}`, `user:${e.adminId}`]) {
      const msgs = c.channelMessages(ch)
      expect({ ch, types: [...new Set(msgs.map((m) => m.type))] }).toEqual({ ch, types: ['status'] })
      expect(statusesOf(msgs)).toEqual(['queued', 'running', 'completed'])
      expect(msgs.at(-1)!.data).toMatchObject({
        execution_id: ex.execution_id,
        session_id: ex.session_id,
        workspace_id: e.workspaceId,
        user_id: e.adminId,
      })
    }
    // (the session channel may carry other things too, e.g. presence; compare this execution's messages)
    const strip = (ch: string) =>
      c
        .channelMessages(ch)
        .filter((m) => m.data?.execution_id === ex.execution_id)
        .map((m) => [m.type, JSON.stringify(m.data)])
    expect(strip(`session:${ex.session_id}`)).toEqual(strip(`task:${ex.execution_id}`))
    expect(strip(`task:${ex.execution_id}`)).toHaveLength(c.channelMessages(`task:${ex.execution_id}`).length)
    // progress rides on the final status
    const final = c
      .channelMessages(`task:${ex.execution_id}`)
      .filter((m) => m.type === 'status')
      .at(-1)!
    expect(final.data.progress).toMatchObject({ turns: 1, messages: 1 })
  }, 30_000)
})
