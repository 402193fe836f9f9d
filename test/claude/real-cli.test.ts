// REAL Claude CLI + mock Anthropic API: streaming, tools, stdin turns, interrupt, resume, API errors, max turns.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { buildCliArgs, type CliArgsOptions } from '../../src/modules/claude/cli/args.ts'
import { REAL_CLAUDE, requireRealCli } from '../support/real-cli.ts'
import { interruptLine, userInputLine } from '../../src/modules/claude/cli/events.ts'
import { getInit, getResult, getTextDelta, type ResultInfo } from '../../src/modules/claude/cli/extract.ts'
import { parseStream, type CliJsonEvent, type ParsedItem } from '../../src/modules/claude/cli/stream-parser.ts'
import { getAssistantText, getControlResponse } from '../support/cli-extract.ts'
import { conversationText, reply, startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.ts'

type Spawned = Subprocess<'pipe', 'pipe', 'pipe'>

/** One CLI process: stdout parsed as it arrives so tests can wait for specific events. */
class CliRun {
  readonly items: ParsedItem[] = []
  readonly stderr: Promise<string>
  readonly startedAt = performance.now()
  /** ms after spawn at which each item arrived. */
  readonly arrivals: number[] = []
  private readonly pumped: Promise<void>
  private wake: () => void = () => {}
  private ended = false

  constructor(readonly proc: Spawned) {
    this.stderr = new Response(proc.stderr).text()
    this.pumped = this.pump()
  }

  private async pump(): Promise<void> {
    for await (const item of parseStream(this.proc.stdout)) {
      this.items.push(item)
      this.arrivals.push(performance.now() - this.startedAt)
      this.wake()
    }
    this.ended = true
    this.wake()
  }

  get events(): CliJsonEvent[] {
    return this.items.flatMap((i) => (i.kind === 'json' ? [i.event] : []))
  }

  /** Resolves with the first non-undefined value of `probe`, re-evaluated whenever output arrives. */
  private async waitUntil<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const hit = probe()
      if (hit !== undefined) return hit
      const remaining = deadline - performance.now()
      if (this.ended || remaining <= 0) break
      const woke = new Promise<void>((r) => (this.wake = r))
      await Promise.race([woke, Bun.sleep(Math.min(remaining, 200))])
    }
    throw new Error(
      `timed out; events so far: ${this.events.map((e) => `${String(e.type)}:${String(e.subtype ?? '')}`).join(', ')}`,
    )
  }

  /** The first event matching `pred`. */
  waitFor(pred: (e: CliJsonEvent) => boolean, timeoutMs = 15_000): Promise<CliJsonEvent> {
    return this.waitUntil(() => this.events.find(pred), timeoutMs)
  }

  /** The n-th (1-based) result event. */
  async result(n = 1, timeoutMs = 15_000): Promise<ResultInfo> {
    const event = await this.waitUntil(() => this.events.filter((e) => e.type === 'result')[n - 1], timeoutMs)
    return getResult(event)!
  }

  write(line: string): void {
    this.proc.stdin.write(line)
    void this.proc.stdin.flush()
  }

  async finish(): Promise<{ code: number; stderr: string }> {
    void this.proc.stdin.end()
    const code = await this.proc.exited
    await this.pumped
    return { code, stderr: await this.stderr }
  }

  firstIndex(pred: (e: CliJsonEvent) => boolean): number {
    return this.events.findIndex(pred)
  }
}

let mock: MockAnthropic
let home: string
let cwd: string
const running: CliRun[] = []

beforeEach(async () => {
  mock = await startMockAnthropic({ logUnknown: true })
  home = mkdtempSync(join(tmpdir(), 'cchub-real-cli-'))
  cwd = join(home, 'project')
  mkdirSync(cwd)
})

afterEach(async () => {
  for (const run of running.splice(0)) {
    if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL')
    await run.proc.exited
  }
  await mock.stop()
  rmSync(home, { recursive: true, force: true })
})

function spawnClaude(opts: CliArgsOptions, extraEnv: Record<string, string> = {}): CliRun {
  const proc = Bun.spawn([REAL_CLAUDE, ...buildCliArgs(opts)], {
    cwd,
    // A clean env: nothing from the developer's shell (API keys, proxies) may leak in.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      ANTHROPIC_BASE_URL: mock.url,
      ANTHROPIC_API_KEY: 'test-key',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
      IS_SANDBOX: '1',
      ...extraEnv,
    },
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  // In prompt mode the CLI reads a piped stdin to EOF before starting, so close it right away.
  if (opts.input.mode === 'prompt') void proc.stdin.end()
  const run = new CliRun(proc)
  running.push(run)
  return run
}

function escapedCwd(dir: string): string {
  return dir.replace(/[^a-zA-Z0-9]/g, '-')
}

describe.skipIf(!requireRealCli('real claude CLI against the mock API'))('real claude CLI against the mock API', () => {
  test('a prompt streams: init, text deltas, assistant, result with cost; transcript written', async () => {
    mock.enqueue(reply.text('one two three four five', { chunks: ['one ', 'two ', 'three ', 'four ', 'five'] }))
    const run = spawnClaude({ input: { mode: 'prompt', prompt: 'hello there' } })
    const result = await run.result()
    const { code, stderr } = await run.finish()

    const init = getInit(run.events[0]!)
    expect(init?.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(init?.tools).toContain('Bash')
    const deltas = run.events.map(getTextDelta).filter((t) => t !== undefined)
    expect(deltas).toEqual(['one ', 'two ', 'three ', 'four ', 'five'])
    expect(getAssistantText(run.events.find((e) => e.type === 'assistant')!)).toBe('one two three four five')
    expect(result).toMatchObject({
      subtype: 'success',
      isError: false,
      numTurns: 1,
      result: 'one two three four five',
      apiErrorStatus: null,
      sessionId: init!.sessionId,
    })
    expect(result.totalCostUsd).toBeGreaterThan(0)
    expect(result.usage?.outputTokens).toBeGreaterThan(0)
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(mock.requests).toHaveLength(1)
    expect(mock.requests[0]!.stream).toBe(true)
    expect(conversationText(mock.requests[0])).toContain('user: hello there')
    expect(existsSync(join(home, '.claude/projects', escapedCwd(cwd), `${init!.sessionId}.jsonl`))).toBe(true)
    expect(mock.unknownPaths).toEqual([])
    console.log(
      `[timing] spawn→system/init ${run.arrivals[0]!.toFixed(0)} ms, spawn→result ${run.arrivals.at(-1)!.toFixed(0)} ms`,
    )
  }, 20_000)

  test('tool use: Bash runs under bypassPermissions (root needs IS_SANDBOX=1), result goes back to the API', async () => {
    mock.enqueue(
      reply.toolUse(
        'Bash',
        { command: 'echo tool-ran > marker.txt && echo ok', description: 'mark' },
        { text: 'Running it.' },
      ),
    )
    const run = spawnClaude({ input: { mode: 'prompt', prompt: 'run the tool' }, permissionMode: 'bypassPermissions' })
    const result = await run.result()
    const { code } = await run.finish()

    expect(result).toMatchObject({
      subtype: 'success',
      isError: false,
      numTurns: 2,
      result: 'Tool finished: ok',
      permissionDenials: [],
    })
    expect(code).toBe(0)
    expect(readFileSync(join(cwd, 'marker.txt'), 'utf8')).toBe('tool-ran\n')
    const toolResult = run.events.find((e) => e.type === 'user') as {
      message: { content: Array<{ type: string; content: unknown; is_error: boolean }> }
    }
    expect(toolResult.message.content[0]).toMatchObject({ type: 'tool_result', content: 'ok', is_error: false })
    expect(mock.requests).toHaveLength(2)
    expect(JSON.stringify(mock.requests[1]!.messages)).toContain('"tool_result"')
  }, 20_000)

  test('bypassPermissions as root without IS_SANDBOX=1 is refused before any output', async () => {
    const run = spawnClaude(
      { input: { mode: 'prompt', prompt: 'x' }, permissionMode: 'bypassPermissions' },
      { IS_SANDBOX: '' },
    )
    const { code, stderr } = await run.finish()
    expect(code).toBe(1)
    expect(run.items).toEqual([])
    expect(stderr.trim()).toBe(
      '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons',
    )
    expect(mock.requests).toHaveLength(0)
  }, 20_000)

  test('default permission mode: Write is denied and reported, the turn still succeeds', async () => {
    mock.enqueue(reply.toolUse('Write', { file_path: join(cwd, 'denied.txt'), content: 'nope\n' }))
    const run = spawnClaude({ input: { mode: 'prompt', prompt: 'write a file' }, permissionMode: 'default' })
    const result = await run.result()
    await run.finish()
    expect(result.isError).toBe(false)
    expect(result.permissionDenials.map((d) => d.toolName)).toEqual(['Write'])
    expect(run.events.some((e) => e.type === 'system' && e.subtype === 'permission_denied')).toBe(true)
    expect(existsSync(join(cwd, 'denied.txt'))).toBe(false)
  }, 20_000)

  test('stream-json input: one process answers two prompts in turn and keeps the context', async () => {
    mock.enqueue(reply.text('noted: BLUE-17'))
    const run = spawnClaude({ input: { mode: 'stream-json' } })
    run.write(userInputLine('first prompt: remember BLUE-17'))
    const first = await run.result(1)
    run.write(userInputLine([{ type: 'text', text: 'second prompt: what did I say?' }]))
    const second = await run.result(2)
    const { code } = await run.finish()

    expect(first).toMatchObject({ subtype: 'success', isError: false, result: 'noted: BLUE-17' })
    expect(second).toMatchObject({ subtype: 'success', isError: false, result: 'Echo: second prompt: what did I say?' })
    expect(second.sessionId).toBe(first.sessionId!)
    // total_cost_usd accumulates over the process; the per-turn figure is separate.
    expect(second.totalCostUsd!).toBeCloseTo(first.totalCostUsd! + second.turnCostUsd!, 10)
    // system/init is re-emitted at the start of every turn.
    expect(run.events.filter((e) => e.type === 'system' && e.subtype === 'init')).toHaveLength(2)
    expect(mock.requests).toHaveLength(2)
    const context = conversationText(mock.requests[1])
    expect(context).toContain('user: first prompt: remember BLUE-17')
    expect(context).toContain('assistant: noted: BLUE-17')
    expect(context).toContain('user: second prompt: what did I say?')
    expect(code).toBe(0)
  }, 20_000)

  test('interrupt control_request mid-stream ends the turn; the process takes the next prompt', async () => {
    mock.enqueue(reply.text('x '.repeat(40), { chunks: 40, delayMs: 100 }))
    const run = spawnClaude({ input: { mode: 'stream-json' } })
    run.write(userInputLine('talk slowly'))
    await run.waitFor((e) => getTextDelta(e) !== undefined)
    run.write(interruptLine('int-1'))
    const interrupted = await run.result(1)

    const control = run.events.map(getControlResponse).find((c) => c !== undefined)
    expect(control).toMatchObject({ requestId: 'int-1', ok: true })
    expect(interrupted).toMatchObject({
      subtype: 'error_during_execution',
      isError: true,
      terminalReason: 'aborted_streaming',
      result: undefined,
    })
    // Order: control_response, then the partial assistant message, the interrupt marker, the result.
    const iControl = run.firstIndex((e) => e.type === 'control_response')
    const iMarker = run.firstIndex(
      (e) => e.type === 'user' && JSON.stringify(e).includes('[Request interrupted by user]'),
    )
    const iResult = run.firstIndex((e) => e.type === 'result')
    expect(iControl).toBeGreaterThan(0)
    expect(iMarker).toBeGreaterThan(iControl)
    expect(iResult).toBeGreaterThan(iMarker)
    const partial = getAssistantText(run.events.find((e) => e.type === 'assistant')!)!
    expect(partial.length).toBeGreaterThan(0)
    expect(partial.length).toBeLessThan(80)

    run.write(userInputLine('are you still there?'))
    const next = await run.result(2)
    expect(next).toMatchObject({ subtype: 'success', isError: false, result: 'Echo: are you still there?' })
    expect(conversationText(mock.requests[1])).toContain('[Request interrupted by user]')
    const { code } = await run.finish()
    expect(code).toBe(0)
  }, 20_000)

  test('--resume in a new process keeps the conversation and the session id', async () => {
    mock.enqueue(reply.text('noted the secret'))
    const a = spawnClaude({ input: { mode: 'prompt', prompt: 'my secret is PURPLE-42' } })
    const first = await a.result()
    expect((await a.finish()).code).toBe(0)
    const sessionId = first.sessionId!
    const transcript = join(home, '.claude/projects', escapedCwd(cwd), `${sessionId}.jsonl`)
    expect(existsSync(transcript)).toBe(true)

    const b = spawnClaude({ input: { mode: 'prompt', prompt: 'what is my secret?' }, resume: sessionId })
    const second = await b.result()
    expect((await b.finish()).code).toBe(0)
    expect(getInit(b.events[0]!)?.sessionId).toBe(sessionId)
    expect(second).toMatchObject({ subtype: 'success', isError: false, sessionId })
    const context = conversationText(mock.requests[1])
    expect(context).toContain('user: my secret is PURPLE-42')
    expect(context).toContain('assistant: noted the secret')
    expect(context).toContain('user: what is my secret?')
    // The resumed turn is appended to the same transcript file.
    expect(readFileSync(transcript, 'utf8')).toContain('what is my secret?')
  }, 20_000)

  test('API 500 and 529 with CLAUDE_CODE_MAX_RETRIES=0: one request, result success + is_error, exit 1', async () => {
    const cases = [
      { status: 500, text: 'API Error: 500 Internal server error.', errorType: 'api_error' },
      { status: 529, text: 'API Error: 529 Overloaded.', errorType: 'overloaded_error' },
    ]
    for (const c of cases) {
      const before = mock.requests.length
      mock.enqueue(reply.error(c.status))
      const run = spawnClaude({ input: { mode: 'prompt', prompt: `trigger ${c.status}` } })
      const result = await run.result()
      const { code, stderr } = await run.finish()
      expect(result).toMatchObject({
        subtype: 'success',
        isError: true,
        apiErrorStatus: c.status,
        terminalReason: 'api_error',
        numTurns: 1,
        totalCostUsd: 0,
      })
      expect(result.result).toStartWith(c.text)
      expect(code).toBe(1)
      expect(stderr).toBe('')
      expect(mock.requests.length - before).toBe(1)
      expect(run.events.some((e) => e.type === 'system' && e.subtype === 'api_retry')).toBe(false)
      // The failure is also delivered as a synthetic assistant message.
      const assistant = run.events.find((e) => e.type === 'assistant') as {
        message: { model: string }
        error: string
        api_error_status: number
        api_error_type: string
      }
      expect(assistant).toMatchObject({
        message: { model: '<synthetic>' },
        api_error_status: c.status,
        api_error_type: c.errorType,
      })
      expect(getAssistantText(assistant as unknown as CliJsonEvent)).toBe(result.result!)
    }
  }, 20_000)

  test('a mid-stream SSE error falls back to one non-streaming request', async () => {
    mock.enqueue(reply.streamError({ prefix: 'half ' }), reply.text('recovered'))
    const run = spawnClaude({ input: { mode: 'prompt', prompt: 'flaky' } })
    const result = await run.result()
    await run.finish()
    expect(result).toMatchObject({ subtype: 'success', isError: false, result: 'recovered' })
    expect(mock.requests.map((r) => r.stream)).toEqual([true, false])
  }, 20_000)

  test('--max-turns 1 with a tool call ends with error_max_turns', async () => {
    mock.enqueue(reply.toolUse('Bash', { command: 'echo hi', description: 'hi' }))
    const run = spawnClaude({
      input: { mode: 'prompt', prompt: 'use a tool' },
      maxTurns: 1,
      permissionMode: 'bypassPermissions',
    })
    const result = await run.result()
    const { code } = await run.finish()
    expect(result).toMatchObject({
      subtype: 'error_max_turns',
      isError: true,
      numTurns: 2,
      terminalReason: 'max_turns',
      errors: ['Reached maximum number of turns (1)'],
      result: undefined,
    })
    expect(code).toBe(1)
    // The tool ran, but its result was never sent back.
    expect(mock.requests).toHaveLength(1)
    expect(run.events.some((e) => e.type === 'user')).toBe(true)
  }, 20_000)
})

describe('the mock API itself', () => {
  const post = (path: string, body: unknown) =>
    fetch(mock.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const userBody = (text: string, stream = false) => ({
    model: 'claude-test',
    max_tokens: 10,
    stream,
    messages: [{ role: 'user', content: text }],
  })

  /** SSE event names and parsed data frames. */
  async function sseEvents(res: Response): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
    const text = await res.text()
    return text
      .split('\n\n')
      .filter((f) => f.trim() !== '')
      .map((frame) => {
        const event = /^event: (.*)$/m.exec(frame)?.[1] ?? ''
        const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? '{}') as Record<string, unknown>
        return { event, data }
      })
  }

  test('default reply echoes the last user text; non-streaming shape', async () => {
    const res = await post('/v1/messages', userBody('ping 123'))
    expect(res.status).toBe(200)
    const msg = (await res.json()) as Record<string, unknown>
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'Echo: ping 123' }],
    })
    expect(mock.requests).toHaveLength(1)
    expect(mock.traffic[0]).toMatchObject({ path: '/v1/messages', status: 200, source: 'default' })
  })

  test('streaming: full SSE sequence for a tool call', async () => {
    mock.enqueue(reply.toolUse('Bash', { command: 'ls' }, { text: 'Let me look.' }))
    const events = await sseEvents(await post('/v1/messages', userBody('x', true)))
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    const json = events.filter((e) => (e.data.delta as { type?: string } | undefined)?.type === 'input_json_delta')
    expect(JSON.parse(json.map((e) => (e.data.delta as { partial_json: string }).partial_json).join(''))).toEqual({
      command: 'ls',
    })
    expect(events.at(-2)!.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { output_tokens: expect.any(Number) },
    })
  })

  test("errors use Anthropic's JSON error body", async () => {
    mock.enqueue(reply.unauthorized(), reply.overloaded(), reply.error(500))
    const expected: Array<[number, string]> = [
      [401, 'authentication_error'],
      [529, 'overloaded_error'],
      [500, 'api_error'],
    ]
    for (const [status, type] of expected) {
      const res = await post('/v1/messages', userBody('x', true))
      expect(res.status).toBe(status)
      expect(await res.json()).toMatchObject({
        type: 'error',
        error: { type, message: expect.any(String) },
        request_id: expect.stringMatching(/^req_/),
      })
    }
  })

  test('count_tokens and unknown paths', async () => {
    const res = await post('/v1/messages/count_tokens', userBody('count me'))
    expect(((await res.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0)
    const quiet = await startMockAnthropic({ logUnknown: false })
    const unknown = await fetch(`${quiet.url}/v1/nope?x=1`)
    expect(unknown.status).toBe(404)
    expect(quiet.unknownPaths).toEqual(['GET /v1/nope?x=1'])
    await quiet.stop()
  })

  test('stop() ends hanging requests and stalled streams', async () => {
    const local = await startMockAnthropic({ script: [reply.hang('half '), reply.hang()] })
    const streamed = await fetch(`${local.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify(userBody('x', true)),
    })
    const reader = streamed.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toContain('message_start')
    const pending = fetch(`${local.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify(userBody('y', true)),
    }).then(
      (r) => r.status,
      () => 'closed',
    )
    await local.waitForRequests(2)
    await local.stop() // a stop() that waited for the open stream would never resolve (the test times out)
    const rest = await reader.read().then(
      (r) => (r.done ? 'done' : 'more'),
      () => 'errored',
    )
    expect(['done', 'errored']).toContain(rest)
    expect(['closed', 503]).toContain(await pending)
  })
})
