// Fast fake of the Claude CLI (`claude -p ... --output-format stream-json`) for unit tests and benchmarks.
//
// Modes (FAKE_CLAUDE_MODE, default "replay"):
//   replay   print FAKE_CLAUDE_SAMPLE (a recorded .jsonl) as fast as possible, session_id rewritten
//   lines    init + FAKE_CLAUDE_LINES (default 100) text_delta stream_events + assistant + result
//   slow     like lines (default 10) with FAKE_CLAUDE_DELAY_MS (default 100) before every line
//   hang     init + one delta, then nothing until interrupted or killed
//   crash    a few lines, then a stack trace on stderr and exit 1
//   garbage  non-JSON lines mixed with JSON events, then a normal result
//   huge     one stream_event line of FAKE_CLAUDE_HUGE_BYTES (default 5 MB), then a result
// Other env: FAKE_CLAUDE_STARTUP_MS (delay before anything happens, real CLI ≈ 450 ms),
//   FAKE_CLAUDE_RECORD=<file> (append one JSON line per argv + env + cwd at start, and per stdin line received),
//   FAKE_CLAUDE_CHILD=1 (each turn starts a `sleep` "tool" in a session of its own, as the real CLI does with Bash;
//     its pid is recorded as {event:'child'}), FAKE_CLAUDE_IGNORE_INTERRUPT=1 (answer interrupts but keep going),
//   FAKE_CLAUDE_IGNORE_SIGTERM=1 (only SIGKILL ends the process),
//   FAKE_CLAUDE_STAMP=1 (each text delta of lines/slow mode carries `@<wall-clock ms>` taken when the line is written,
//     so a benchmark can measure stdout-to-client overhead per line).
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

type Mode = 'replay' | 'lines' | 'slow' | 'hang' | 'crash' | 'garbage' | 'huge'
const MODES: readonly Mode[] = ['replay', 'lines', 'slow', 'hang', 'crash', 'garbage', 'huge']
const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'bypassPermissions', 'dontAsk', 'auto', 'manual']
const DEFAULT_SAMPLE = join(import.meta.dir, '../fixtures/claude-cli/samples/v2.1.330/partial.jsonl')
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

interface FakeArgs {
  permissionPromptTool?: string
  print: boolean
  verbose: boolean
  includePartial: boolean
  forkSession: boolean
  outputFormat: string
  inputFormat: string
  resume?: string
  sessionId?: string
  maxTurns?: string
  permissionMode: string
  model?: string
  systemPrompt?: string
  appendSystemPrompt?: string
  allowedTools: string[]
  disallowedTools: string[]
  prompt?: string
}

/** A line to print, with an optional pause before it. `text` marks a text delta, `isError` a result line. */
interface Step {
  line: string
  delayMs?: number
  text?: string
  isError?: boolean
}

interface TurnPlan {
  steps: Step[]
  end: 'done' | 'hang' | 'crash'
}

const env = process.env
const mode = parseMode(env.FAKE_CLAUDE_MODE)
const out = Bun.stdout.writer()

// ---- argv ------------------------------------------------------------------------------------

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

function parseMode(value: string | undefined): Mode {
  if (value === undefined || value === '') return 'replay'
  if ((MODES as readonly string[]).includes(value)) return value as Mode
  return fail(`fake-claude: unknown FAKE_CLAUDE_MODE ${JSON.stringify(value)} (expected ${MODES.join(', ')})`)
}

const BOOL_FLAGS: Record<string, keyof FakeArgs> = {
  '-p': 'print',
  '--print': 'print',
  '--verbose': 'verbose',
  '--include-partial-messages': 'includePartial',
  '--fork-session': 'forkSession',
}
const VALUE_FLAGS: Record<string, keyof FakeArgs> = {
  '--output-format': 'outputFormat',
  '--input-format': 'inputFormat',
  '--resume': 'resume',
  '-r': 'resume',
  '--session-id': 'sessionId',
  '--max-turns': 'maxTurns',
  '--permission-mode': 'permissionMode',
  '--permission-prompt-tool': 'permissionPromptTool',
  '--model': 'model',
  '--system-prompt': 'systemPrompt',
  '--append-system-prompt': 'appendSystemPrompt',
}
const LIST_FLAGS: Record<string, 'allowedTools' | 'disallowedTools'> = {
  '--allowedTools': 'allowedTools',
  '--allowed-tools': 'allowedTools',
  '--disallowedTools': 'disallowedTools',
  '--disallowed-tools': 'disallowedTools',
}

function setArg(args: FakeArgs, key: keyof FakeArgs | undefined, value: string | boolean): void {
  if (key !== undefined) (args as unknown as Record<string, unknown>)[key] = value
}

function parseArgs(argv: string[]): FakeArgs {
  const args: FakeArgs = {
    print: false,
    verbose: false,
    includePartial: false,
    forkSession: false,
    outputFormat: 'text',
    inputFormat: 'text',
    permissionMode: 'default',
    allowedTools: [],
    disallowedTools: [],
  }
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') {
      positional.push(...argv.slice(i + 1))
      break
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const name = eq > 0 ? arg.slice(0, eq) : arg
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined
    if (name in BOOL_FLAGS) setArg(args, BOOL_FLAGS[name], true)
    else if (name in VALUE_FLAGS) {
      const value = inline ?? argv[++i]
      if (value === undefined) fail(`error: option '${name} <value>' argument missing`)
      setArg(args, VALUE_FLAGS[name], value)
    } else if (name in LIST_FLAGS) {
      const list = args[LIST_FLAGS[name] ?? 'allowedTools']
      // Variadic like the real CLI: everything up to the next option belongs to the list.
      if (inline !== undefined) list.push(...inline.split(','))
      else while (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('-')) list.push(argv[++i] as string)
    } else if (arg.startsWith('-') && arg !== '-') fail(`error: unknown option '${name}'`)
    else positional.push(arg)
  }
  args.prompt = positional[0]
  return args
}

function validateArgs(args: FakeArgs): void {
  if (!args.print) fail('fake-claude: only print mode (-p) is supported')
  if (!['text', 'json', 'stream-json'].includes(args.outputFormat)) {
    fail(
      `error: option '--output-format <format>' argument '${args.outputFormat}' is invalid. Allowed choices are text, json, stream-json.`,
    )
  }
  if (!['text', 'stream-json'].includes(args.inputFormat)) {
    fail(
      `error: option '--input-format <format>' argument '${args.inputFormat}' is invalid. Allowed choices are text, stream-json.`,
    )
  }
  if (args.outputFormat === 'stream-json' && !args.verbose)
    fail('Error: When using --print, --output-format=stream-json requires --verbose')
  if (!PERMISSION_MODES.includes(args.permissionMode))
    fail(`error: option '--permission-mode <mode>' argument '${args.permissionMode}' is invalid.`)
  if (args.sessionId !== undefined && !UUID_RE.test(args.sessionId))
    fail('Error: Invalid session ID. Must be a valid UUID.')
  if (args.sessionId !== undefined && args.resume !== undefined && !args.forkSession) {
    fail('Error: --session-id with --continue or --resume also needs --fork-session.')
  }
  // Same refusal as the real CLI, so server tests notice a missing IS_SANDBOX=1.
  if (args.permissionMode === 'bypassPermissions' && process.getuid?.() === 0 && env.IS_SANDBOX !== '1') {
    fail('--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons')
  }
}

// ---- event builders (shapes follow the 2.1.330 samples) -------------------------------------

function uuid(): string {
  return crypto.randomUUID()
}

function randomId(prefix: string): string {
  return `${prefix}_${uuid().replaceAll('-', '').slice(0, 24)}`
}

interface Ctx {
  sessionId: string
  model: string
  args: FakeArgs
}

function initEvent(ctx: Ctx): string {
  return JSON.stringify({
    type: 'system',
    subtype: 'init',
    cwd: process.cwd(),
    session_id: ctx.sessionId,
    tools: ['Task', 'Bash', 'Edit', 'Read', 'Write', 'WebFetch', 'WebSearch'],
    mcp_servers: [],
    model: ctx.model,
    permissionMode: ctx.args.permissionMode,
    slash_commands: [],
    apiKeySource: 'ANTHROPIC_API_KEY',
    claude_code_version: '2.1.330-fake',
    output_style: 'default',
    agents: [],
    skills: [],
    plugins: [],
    uuid: uuid(),
  })
}

function streamEvent(ctx: Ctx, event: Record<string, unknown>): string {
  return JSON.stringify({
    type: 'stream_event',
    event,
    session_id: ctx.sessionId,
    parent_tool_use_id: null,
    uuid: uuid(),
  })
}

function usage(outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: 100,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
    service_tier: 'standard',
  }
}

function assistantEvent(ctx: Ctx, messageId: string, text: string, aborted = false): string {
  return JSON.stringify({
    type: 'assistant',
    message: {
      id: messageId,
      type: 'message',
      role: 'assistant',
      model: ctx.model,
      content: [{ type: 'text', text }],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(1),
    },
    parent_tool_use_id: null,
    session_id: ctx.sessionId,
    uuid: uuid(),
    timestamp: new Date().toISOString(),
    ...(aborted ? { aborted: true } : {}),
  })
}

function resultEvent(ctx: Ctx, text: string, startedAt: number): string {
  return JSON.stringify({
    type: 'result',
    subtype: 'success',
    is_error: false,
    api_error_status: null,
    duration_ms: Math.round(performance.now() - startedAt),
    duration_api_ms: 1,
    num_turns: 1,
    result: text,
    stop_reason: 'end_turn',
    session_id: ctx.sessionId,
    total_cost_usd: 0.0001,
    usage: usage(Math.ceil(text.length / 4)),
    modelUsage: {},
    permission_denials: [],
    terminal_reason: 'completed',
    uuid: uuid(),
  })
}

function interruptedLines(ctx: Ctx, messageId: string, partialText: string, startedAt: number): string[] {
  const user = JSON.stringify({
    type: 'user',
    message: { role: 'user', content: [{ type: 'text', text: '[Request interrupted by user]' }] },
    parent_tool_use_id: null,
    session_id: ctx.sessionId,
    uuid: uuid(),
    timestamp: new Date().toISOString(),
  })
  const result = JSON.stringify({
    type: 'result',
    subtype: 'error_during_execution',
    duration_ms: Math.round(performance.now() - startedAt),
    duration_api_ms: 0,
    is_error: true,
    num_turns: 2,
    stop_reason: null,
    session_id: ctx.sessionId,
    total_cost_usd: 0,
    usage: usage(0),
    modelUsage: {},
    permission_denials: [],
    terminal_reason: 'aborted_streaming',
    uuid: uuid(),
    errors: ['[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=null'],
  })
  return [assistantEvent(ctx, messageId, partialText, true), user, result]
}

// ---- turn plans per mode --------------------------------------------------------------------

/** The recorded message flow of one streamed text answer, split into `count` deltas. */
function textTurn(ctx: Ctx, deltas: string[], delayMs: number, startedAt: number): Step[] {
  const messageId = randomId('msg')
  const text = deltas.join('')
  const steps: Step[] = [
    { line: initEvent(ctx) },
    {
      line: JSON.stringify({
        type: 'system',
        subtype: 'status',
        status: 'requesting',
        session_id: ctx.sessionId,
        uuid: uuid(),
      }),
    },
    {
      line: streamEvent(ctx, {
        type: 'message_start',
        message: {
          id: messageId,
          type: 'message',
          role: 'assistant',
          model: ctx.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: usage(1),
        },
      }),
    },
    { line: streamEvent(ctx, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) },
  ]
  for (const d of deltas)
    steps.push({
      line: streamEvent(ctx, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: d } }),
      text: d,
    })
  steps.push(
    { line: assistantEvent(ctx, messageId, text) },
    { line: streamEvent(ctx, { type: 'content_block_stop', index: 0 }) },
    {
      line: streamEvent(ctx, {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: deltas.length },
      }),
    },
    { line: streamEvent(ctx, { type: 'message_stop' }) },
    { line: resultEvent(ctx, text, startedAt), isError: false },
  )
  return steps.map((s) => ({ ...s, delayMs }))
}

function intEnv(name: string, fallback: number): number {
  const n = Number(env[name])
  return Number.isFinite(n) && n >= 0 ? n : fallback
}

const STAMP = env.FAKE_CLAUDE_STAMP === '1'
const STAMP_MARK = '@STAMP'

function tokens(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (STAMP ? `tok${i}${STAMP_MARK} ` : `tok${i} `))
}

/** The line as printed: with FAKE_CLAUDE_STAMP the placeholder becomes the wall-clock time of printing. */
function stamped(line: string): string {
  return STAMP ? line.replace(STAMP_MARK, `@${(performance.timeOrigin + performance.now()).toFixed(3)}`) : line
}

let sampleCache: { lines: string[]; sessionId: string | undefined } | undefined

function loadSample(): { lines: string[]; sessionId: string | undefined } {
  if (sampleCache) return sampleCache
  const file = env.FAKE_CLAUDE_SAMPLE ?? DEFAULT_SAMPLE
  if (!existsSync(file)) fail(`fake-claude: sample ${file} not found (set FAKE_CLAUDE_SAMPLE)`)
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
  let sessionId: string | undefined
  for (const l of lines) {
    const m = /"session_id":"([^"]+)"/.exec(l)
    if (m) {
      sessionId = m[1]
      break
    }
  }
  sampleCache = { lines, sessionId }
  return sampleCache
}

function replayTurn(ctx: Ctx): Step[] {
  const { lines, sessionId } = loadSample()
  return lines.map((raw) => {
    const line = sessionId ? raw.replaceAll(sessionId, ctx.sessionId) : raw
    if (!line.includes('"type":"result"')) return { line }
    try {
      return { line, isError: (JSON.parse(line) as { is_error?: unknown }).is_error === true }
    } catch {
      return { line }
    }
  })
}

function garbageTurn(ctx: Ctx, startedAt: number): Step[] {
  const [init, ...rest] = textTurn(ctx, ['gar', 'bage'], 0, startedAt)
  const junk = [
    'this is not json',
    '{"truncated": ',
    '[1,2,3]',
    '\u001b[31mANSI red\u001b[0m',
    'Warning: something odd {not json}',
  ]
  const mixed: Step[] = [init as Step]
  rest.forEach((step, i) => {
    const j = junk[i]
    if (j !== undefined) mixed.push({ line: j })
    mixed.push(step)
  })
  return mixed
}

function hugeTurn(ctx: Ctx, startedAt: number): Step[] {
  const size = intEnv('FAKE_CLAUDE_HUGE_BYTES', 5 * 1024 * 1024)
  const [init, status, start, blockStart] = textTurn(ctx, [], 0, startedAt)
  const text = 'x'.repeat(size)
  return [
    init as Step,
    status as Step,
    start as Step,
    blockStart as Step,
    { line: streamEvent(ctx, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }), text },
    { line: resultEvent(ctx, `huge delta of ${size} bytes`, startedAt), isError: false },
  ]
}

function planTurn(ctx: Ctx): TurnPlan {
  const startedAt = performance.now()
  switch (mode) {
    case 'replay':
      return { steps: replayTurn(ctx), end: 'done' }
    case 'lines':
      return { steps: textTurn(ctx, tokens(intEnv('FAKE_CLAUDE_LINES', 100)), 0, startedAt), end: 'done' }
    case 'slow':
      return {
        steps: textTurn(ctx, tokens(intEnv('FAKE_CLAUDE_LINES', 10)), intEnv('FAKE_CLAUDE_DELAY_MS', 100), startedAt),
        end: 'done',
      }
    case 'hang':
      return { steps: textTurn(ctx, ['partial '], 0, startedAt).slice(0, 5), end: 'hang' }
    case 'crash':
      return { steps: textTurn(ctx, tokens(3), 0, startedAt).slice(0, 6), end: 'crash' }
    case 'garbage':
      return { steps: garbageTurn(ctx, startedAt), end: 'done' }
    case 'huge':
      return { steps: hugeTurn(ctx, startedAt), end: 'done' }
  }
}

// ---- output ---------------------------------------------------------------------------------

let outputFormat = 'stream-json'

function emit(line: string, isResult = false): void {
  if (outputFormat === 'stream-json') {
    out.write(`${line}\n`)
    return
  }
  // json/text formats only print the final result.
  if (!isResult) return
  if (outputFormat === 'json') out.write(`${line}\n`)
  else out.write(`${(JSON.parse(line) as { result?: string }).result ?? ''}\n`)
}

async function flush(): Promise<void> {
  await out.flush()
}

async function exit(code: number): Promise<never> {
  await flush()
  process.exit(code)
}

function record(entry: Record<string, unknown>): void {
  if (env.FAKE_CLAUDE_RECORD)
    appendFileSync(env.FAKE_CLAUDE_RECORD, `${JSON.stringify({ pid: process.pid, at: Date.now(), ...entry })}\n`)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })
}

// ---- turn runner ----------------------------------------------------------------------------

interface RunningTurn {
  abort: AbortController
  done: Promise<void>
}

let lastIsError = false
let running: RunningTurn | undefined

async function runTurn(ctx: Ctx, abort: AbortController): Promise<void> {
  if (env.FAKE_CLAUDE_CHILD === '1') {
    // like the real CLI's Bash tool: a child in its own session, so only a signal to that pid reaches it
    const child = Bun.spawn(['sleep', '300'], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', detached: true })
    child.unref()
    record({ event: 'child', child: child.pid })
  }
  const plan = planTurn(ctx)
  const startedAt = performance.now()
  const messageId =
    /"id":"(msg_[^"]+)"/.exec(plan.steps.map((s) => s.line).find((l) => l.includes('message_start')) ?? '')?.[1] ??
    randomId('msg')
  let partial = ''
  for (const step of plan.steps) {
    if (step.delayMs) {
      await flush()
      await sleep(step.delayMs, abort.signal)
    }
    if (abort.signal.aborted) break
    emit(step.text !== undefined ? stamped(step.line) : step.line, step.isError !== undefined)
    if (step.text !== undefined) partial += step.text
    if (step.isError !== undefined) lastIsError = step.isError
  }
  if (!abort.signal.aborted && plan.end === 'crash') {
    await flush()
    process.stderr.write(
      'Error: fake-claude simulated crash\n    at runTurn (fake-claude.ts)\n    at main (fake-claude.ts)\n',
    )
    process.exit(1)
  }
  if (!abort.signal.aborted && plan.end === 'hang') {
    await flush()
    await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }))
  }
  if (abort.signal.aborted) {
    const lines = interruptedLines(ctx, messageId, partial, startedAt)
    for (const [i, line] of lines.entries()) emit(line, i === lines.length - 1)
    lastIsError = true
  }
  await flush()
}

function startTurn(ctx: Ctx): RunningTurn {
  const abort = new AbortController()
  const turn: RunningTurn = { abort, done: runTurn(ctx, abort) }
  running = turn
  void turn.done.finally(() => {
    if (running === turn) running = undefined
  })
  return turn
}

// ---- stdin (stream-json input) --------------------------------------------------------------

interface ControlRequest {
  type: 'control_request'
  request_id?: unknown
  request?: { subtype?: unknown }
}

function answerControl(msg: ControlRequest): void {
  const requestId = String(msg.request_id ?? '')
  const subtype = msg.request?.subtype
  if (subtype === 'interrupt') {
    emit(
      JSON.stringify({
        type: 'control_response',
        response: { subtype: 'success', request_id: requestId, response: { still_queued: [] } },
      }),
    )
    if (env.FAKE_CLAUDE_IGNORE_INTERRUPT !== '1') running?.abort.abort()
    void flush()
    return
  }
  emit(
    JSON.stringify({
      type: 'control_response',
      response: {
        subtype: 'error',
        request_id: requestId,
        error: `Unsupported control request subtype: ${String(subtype)}`,
        error_code: 'unsupported_request',
      },
    }),
  )
  void flush()
}

async function* stdinLines(): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buf = ''
  const reader = Bun.stdin.stream().getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buf += decoder.decode(value, { stream: true })
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '')
      buf = buf.slice(nl + 1)
      if (line.trim() !== '') yield line
    }
  }
  if (buf.trim() !== '') yield buf
}

/** Turns run one after another like the real CLI; control requests are answered immediately. */
async function streamJsonLoop(ctx: Ctx): Promise<void> {
  let chain: Promise<void> = Promise.resolve()
  for await (const line of stdinLines()) {
    record({ event: 'stdin', line })
    let msg: { type?: unknown }
    try {
      msg = JSON.parse(line) as { type?: unknown }
    } catch {
      await flush()
      fail(`Error parsing streaming input line (type=unknown, ${line.length} chars): SyntaxError`)
    }
    if (msg.type === 'control_request') answerControl(msg as ControlRequest)
    else if (msg.type === 'user') chain = chain.then(() => startTurn(ctx).done)
    // Other types are ignored, as the real CLI does.
  }
  await chain
}

async function readAllStdin(): Promise<string> {
  return (await new Response(Bun.stdin.stream()).text()).trim()
}

// ---- main -----------------------------------------------------------------------------------

function installSignalHandlers(): void {
  // The real CLI exits 143 on SIGTERM without printing anything more.
  process.on('SIGTERM', () => {
    if (env.FAKE_CLAUDE_IGNORE_SIGTERM !== '1') process.exit(143)
  })
  // On SIGINT it ends the running turn like an interrupt and exits 0.
  process.on('SIGINT', () => {
    const turn = running
    if (!turn) void exit(0)
    else {
      turn.abort.abort()
      void turn.done.then(() => exit(0))
    }
  })
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  record({ event: 'start', argv: process.argv.slice(2), cwd: process.cwd(), mode, env: { ...process.env } })
  validateArgs(args)
  outputFormat = args.outputFormat
  installSignalHandlers()
  const startup = intEnv('FAKE_CLAUDE_STARTUP_MS', 0)
  if (startup > 0) await Bun.sleep(startup)
  const sessionId = args.forkSession ? uuid() : (args.resume ?? args.sessionId ?? uuid())
  const ctx: Ctx = { sessionId, model: args.model ?? 'claude-fake-1', args }
  if (args.inputFormat === 'stream-json') {
    await streamJsonLoop(ctx)
  } else {
    // Like the real CLI, a non-TTY stdin is read to EOF (and appended) before the turn starts,
    // so a caller that leaves stdin open gets no output at all.
    const piped = process.stdin.isTTY ? '' : await readAllStdin()
    const prompt = [args.prompt, piped].filter((p) => p !== undefined && p !== '').join('\n')
    if (prompt === '')
      fail('Error: Input must be provided either through stdin or as a prompt argument when using --print')
    await startTurn(ctx).done
  }
  await exit(lastIsError ? 1 : 0)
}

await main()
