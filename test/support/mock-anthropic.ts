// Mock Anthropic Messages API (SSE + JSON) on 127.0.0.1, scripted per request, to drive the real Claude CLI offline.

/** One scripted answer to one POST /v1/messages request. */
export type MockReply = TextReply | ToolUseReply | ErrorReply | StreamErrorReply | HangReply

export interface TextReply {
  type: 'text'
  text: string
  /**
   * Split the text into this many text_delta events (default 1), or give the exact deltas (they must join to `text`).
   */
  chunks?: number | string[]
  /** Pause between deltas; lets a test interrupt or kill mid-stream. */
  delayMs?: number
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence'
  usage?: Partial<MockUsage>
}

export interface ToolUseReply {
  type: 'tool_use'
  name: string
  input: Record<string, unknown>
  /** Optional text block streamed before the tool_use block. */
  text?: string
  id?: string
  /** Split the input JSON into this many input_json_delta events (default 3). */
  chunks?: number
  delayMs?: number
  usage?: Partial<MockUsage>
}

export interface ErrorReply {
  type: 'error'
  status: number
  /** Anthropic error type; derived from the status when omitted. */
  errorType?: string
  message?: string
  headers?: Record<string, string>
}

/** A 200 SSE response that fails mid-stream with an `event: error` frame. */
export interface StreamErrorReply {
  type: 'stream_error'
  errorType?: string
  message?: string
  /** Text streamed before the error frame. */
  prefix?: string
}

/**
 * Never finishes. Without `prefix` no response headers are sent at all; with `prefix`
 * (even '') the stream starts, streams the prefix and then stalls.
 */
export interface HangReply {
  type: 'hang'
  prefix?: string
}

export interface MockUsage {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
}

/** The subset of a Messages API request body the mock looks at; everything else is kept as-is. */
export interface MessagesRequestBody {
  model?: string
  stream?: boolean
  system?: unknown
  tools?: Array<{ name?: string }>
  messages?: Array<{ role: string; content: unknown }>
  [key: string]: unknown
}

export interface TrafficEntry {
  method: string
  path: string
  status: number
  at: number
  /** 'queue' | 'default' | 'side' for /v1/messages, 'builtin' or 'unknown' otherwise. */
  source: string
}

export interface MockAnthropicOptions {
  /** Replies consumed in order, one per /v1/messages request. */
  script?: MockReply[]
  /** Reply used when the queue is empty; default echoes the last user message. */
  defaultReply?: (body: MessagesRequestBody) => MockReply
  /** Requests answered with the default reply without consuming the queue. */
  isSideRequest?: (body: MessagesRequestBody) => boolean
  /** Print unknown paths to stderr (they are always recorded in `unknownPaths`). */
  logUnknown?: boolean
}

export interface MockAnthropic {
  url: string
  port: number
  /** Parsed bodies of every POST /v1/messages request, in arrival order. */
  requests: MessagesRequestBody[]
  /** Every HTTP request seen, including count_tokens and unknown paths. */
  traffic: TrafficEntry[]
  unknownPaths: string[]
  enqueue(...replies: MockReply[]): void
  /** Replace whatever is left in the queue. */
  setScript(replies: MockReply[]): void
  pending(): number
  /** Resolves once at least `count` /v1/messages requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/** Builders for the common replies so tests read like a script. */
export const reply = {
  text: (text: string, opts: Omit<TextReply, 'type' | 'text'> = {}): TextReply => ({ type: 'text', text, ...opts }),
  toolUse: (
    name: string,
    input: Record<string, unknown>,
    opts: Omit<ToolUseReply, 'type' | 'name' | 'input'> = {},
  ): ToolUseReply => ({ type: 'tool_use', name, input, ...opts }),
  error: (status: number, opts: Omit<ErrorReply, 'type' | 'status'> = {}): ErrorReply => ({
    type: 'error',
    status,
    ...opts,
  }),
  overloaded: (): ErrorReply => ({ type: 'error', status: 529 }),
  unauthorized: (): ErrorReply => ({ type: 'error', status: 401 }),
  streamError: (opts: Omit<StreamErrorReply, 'type'> = {}): StreamErrorReply => ({ type: 'stream_error', ...opts }),
  hang: (prefix?: string): HangReply => (prefix === undefined ? { type: 'hang' } : { type: 'hang', prefix }),
}

const ERROR_TYPES: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'Invalid request'],
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not found'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'],
  500: ['api_error', 'Internal server error'],
  529: ['overloaded_error', 'Overloaded'],
}

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes))
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function anthropicErrorBody(status: number, errorType?: string, message?: string): Record<string, unknown> {
  const [defType, defMessage] = ERROR_TYPES[status] ?? ['api_error', `HTTP ${status}`]
  return {
    type: 'error',
    error: { type: errorType ?? defType, message: message ?? defMessage },
    request_id: `req_${randomHex(12)}`,
  }
}

/** Text blocks of a content value, skipping the CLI's injected <system-reminder> blocks. */
function userTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content]
  if (!Array.isArray(content)) return []
  const texts: string[] = []
  for (const block of content as Array<Record<string, unknown>>) {
    if (block?.type === 'text' && typeof block.text === 'string' && !block.text.startsWith('<system-reminder>')) {
      texts.push(block.text)
    }
  }
  return texts
}

function toolResultText(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined
  for (const block of content as Array<Record<string, unknown>>) {
    if (block?.type !== 'tool_result') continue
    const inner = block.content
    if (typeof inner === 'string') return inner
    if (Array.isArray(inner)) return userTexts(inner).join('')
    return ''
  }
  return undefined
}

/**
 * The last real user turn. Its last text block wins (after an interrupt the CLI merges
 * "[Request interrupted by user]" and the next prompt into one message); a message holding
 * only a tool_result reports that instead.
 */
export function lastUserMessage(body: MessagesRequestBody): { text: string; toolResult?: string } {
  const messages = body.messages ?? []
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (message?.role !== 'user') continue
    const texts = userTexts(message.content)
    const lastText = texts.at(-1)
    if (lastText !== undefined) return { text: lastText }
    const toolResult = toolResultText(message.content)
    if (toolResult !== undefined) return { text: '', toolResult }
  }
  return { text: '' }
}

/** Default: echo the last user text, or acknowledge a tool result, so tests can see what was sent. */
export function echoReply(body: MessagesRequestBody): MockReply {
  const last = lastUserMessage(body)
  if (last.toolResult !== undefined) return reply.text(`Tool finished: ${last.toolResult.slice(0, 200)}`)
  return reply.text(`Echo: ${last.text.slice(0, 200)}`)
}

function estimateTokens(body: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(body ?? '').length / 4))
}

function splitInto(text: string, parts: number): string[] {
  const n = Math.max(1, Math.min(parts, text.length || 1))
  const size = Math.ceil(text.length / n)
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out.length > 0 ? out : ['']
}

function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

interface BuiltMessage {
  id: string
  model: string
  usage: MockUsage
  blocks: Array<
    | { type: 'text'; text: string; chunks: string[] }
    | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; chunks: string[] }
  >
  stopReason: string
  delayMs: number
}

function buildMessage(r: TextReply | ToolUseReply, body: MessagesRequestBody): BuiltMessage {
  const usage: MockUsage = {
    input_tokens: estimateTokens(body.messages),
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...r.usage,
  }
  const blocks: BuiltMessage['blocks'] = []
  if (r.type === 'text') {
    const chunks = Array.isArray(r.chunks) ? r.chunks : splitInto(r.text, r.chunks ?? 1)
    blocks.push({ type: 'text', text: r.text, chunks })
  } else {
    if (r.text !== undefined) blocks.push({ type: 'text', text: r.text, chunks: splitInto(r.text, 1) })
    const json = JSON.stringify(r.input)
    blocks.push({
      type: 'tool_use',
      id: r.id ?? `toolu_${randomHex(12)}`,
      name: r.name,
      input: r.input,
      chunks: splitInto(json, r.chunks ?? 3),
    })
  }
  if (r.usage?.output_tokens === undefined) {
    usage.output_tokens = Math.max(
      1,
      Math.ceil(JSON.stringify(blocks.map((b) => (b.type === 'text' ? b.text : b.input))).length / 4),
    )
  }
  return {
    id: `msg_${randomHex(12)}`,
    model: typeof body.model === 'string' ? body.model : 'claude-mock',
    usage,
    blocks,
    stopReason: r.type === 'tool_use' ? 'tool_use' : (r.stopReason ?? 'end_turn'),
    delayMs: r.delayMs ?? 0,
  }
}

function messageJson(m: BuiltMessage): Record<string, unknown> {
  return {
    id: m.id,
    type: 'message',
    role: 'assistant',
    model: m.model,
    content: m.blocks.map((b) =>
      b.type === 'text' ? { type: 'text', text: b.text } : { type: 'tool_use', id: b.id, name: b.name, input: b.input },
    ),
    stop_reason: m.stopReason,
    stop_sequence: null,
    usage: m.usage,
  }
}

function messageStartFrame(m: BuiltMessage): string {
  return sseFrame('message_start', {
    type: 'message_start',
    message: {
      id: m.id,
      type: 'message',
      role: 'assistant',
      model: m.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...m.usage, output_tokens: 1 },
    },
  })
}

/** SSE frames of a complete message, one array entry per flush so delays can go between them. */
function* messageFrames(m: BuiltMessage): Generator<{ frame: string; pauseBefore: boolean }> {
  yield { frame: messageStartFrame(m), pauseBefore: false }
  yield { frame: sseFrame('ping', { type: 'ping' }), pauseBefore: false }
  for (const [index, block] of m.blocks.entries()) {
    const start =
      block.type === 'text'
        ? { type: 'text', text: '' }
        : { type: 'tool_use', id: block.id, name: block.name, input: {} }
    yield {
      frame: sseFrame('content_block_start', { type: 'content_block_start', index, content_block: start }),
      pauseBefore: false,
    }
    for (const [i, chunk] of block.chunks.entries()) {
      const delta =
        block.type === 'text' ? { type: 'text_delta', text: chunk } : { type: 'input_json_delta', partial_json: chunk }
      yield {
        frame: sseFrame('content_block_delta', { type: 'content_block_delta', index, delta }),
        pauseBefore: i > 0,
      }
    }
    yield { frame: sseFrame('content_block_stop', { type: 'content_block_stop', index }), pauseBefore: false }
  }
  yield {
    frame: sseFrame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: m.stopReason, stop_sequence: null },
      usage: { output_tokens: m.usage.output_tokens },
    }),
    pauseBefore: false,
  }
  yield { frame: sseFrame('message_stop', { type: 'message_stop' }), pauseBefore: false }
}

/** Frames for a stream that starts a text block with `prefix` and then stops producing. */
function partialFrames(m: BuiltMessage, prefix: string): string[] {
  const frames = [
    messageStartFrame(m),
    sseFrame('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
  ]
  if (prefix !== '') {
    frames.push(
      sseFrame('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: prefix },
      }),
    )
  }
  return frames
}

/** Resolves after `ms`, or early when the signal fires; never rejects. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }

export async function startMockAnthropic(opts: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  const queue: MockReply[] = [...(opts.script ?? [])]
  const requests: MessagesRequestBody[] = []
  const traffic: TrafficEntry[] = []
  const unknownPaths: string[] = []
  // Fired on stop() so hanging handlers, sleeps and open streams all unwind at once.
  const shutdown = new AbortController()
  const openStreams = new Set<ReadableStreamDefaultController<Uint8Array>>()
  const waiters = new Set<() => void>()
  const encoder = new TextEncoder()
  const defaultReply = opts.defaultReply ?? echoReply

  function record(method: string, path: string, status: number, source: string): void {
    traffic.push({ method, path, status, at: Date.now(), source })
  }

  function notifyWaiters(): void {
    for (const wake of [...waiters]) wake()
  }

  /** A response body fed by an async producer; stops when the client goes away or the mock stops. */
  function streamBody(
    produce: (write: (s: string) => boolean, signal: AbortSignal) => Promise<void>,
    clientSignal: AbortSignal,
  ): ReadableStream<Uint8Array> {
    const local = AbortSignal.any([shutdown.signal, clientSignal])
    let ctl: ReadableStreamDefaultController<Uint8Array> | undefined
    const close = (): void => {
      if (!ctl || !openStreams.has(ctl)) return
      openStreams.delete(ctl)
      try {
        ctl.close()
      } catch {
        // already closed or errored by the client side
      }
    }
    return new ReadableStream<Uint8Array>({
      start(controller) {
        ctl = controller
        openStreams.add(controller)
        const write = (s: string): boolean => {
          if (local.aborted || !openStreams.has(controller)) return false
          try {
            controller.enqueue(encoder.encode(s))
            return true
          } catch {
            return false
          }
        }
        void produce(write, local).finally(close)
      },
      cancel() {
        if (ctl) openStreams.delete(ctl)
      },
    })
  }

  function sseResponse(built: BuiltMessage, clientSignal: AbortSignal): Response {
    const body = streamBody(async (write, signal) => {
      for (const { frame, pauseBefore } of messageFrames(built)) {
        if (pauseBefore) await sleep(built.delayMs, signal)
        if (!write(frame)) return
      }
    }, clientSignal)
    return new Response(body, { headers: { ...SSE_HEADERS, 'request-id': `req_${randomHex(12)}` } })
  }

  async function answerMessages(req: Request, body: MessagesRequestBody, r: MockReply): Promise<Response> {
    const streaming = body.stream === true
    switch (r.type) {
      case 'error':
        return Response.json(anthropicErrorBody(r.status, r.errorType, r.message), {
          status: r.status,
          headers: { 'request-id': `req_${randomHex(12)}`, ...r.headers },
        })
      case 'hang': {
        const built = buildMessage(reply.text(''), body)
        if (r.prefix === undefined || !streaming) {
          await untilAborted(AbortSignal.any([shutdown.signal, req.signal]))
          return Response.json(anthropicErrorBody(503, 'api_error', 'mock stopped'), { status: 503 })
        }
        const frames = partialFrames(built, r.prefix)
        const stream = streamBody(async (write, signal) => {
          for (const frame of frames) if (!write(frame)) return
          await untilAborted(signal)
        }, req.signal)
        return new Response(stream, { headers: SSE_HEADERS })
      }
      case 'stream_error': {
        const built = buildMessage(reply.text(''), body)
        const errFrame = sseFrame('error', {
          type: 'error',
          error: { type: r.errorType ?? 'overloaded_error', message: r.message ?? 'Overloaded' },
        })
        if (!streaming) return Response.json(anthropicErrorBody(529), { status: 529 })
        const frames = [...partialFrames(built, r.prefix ?? ''), errFrame]
        return new Response(frames.join(''), { headers: SSE_HEADERS })
      }
      case 'text':
      case 'tool_use': {
        const built = buildMessage(r, body)
        if (streaming) return sseResponse(built, req.signal)
        return Response.json(messageJson(built), { headers: { 'request-id': `req_${randomHex(12)}` } })
      }
    }
  }

  async function handleMessages(req: Request, path: string): Promise<Response> {
    let body: MessagesRequestBody
    try {
      body = (await req.json()) as MessagesRequestBody
    } catch {
      record(req.method, path, 400, 'builtin')
      return Response.json(anthropicErrorBody(400, 'invalid_request_error', 'body is not JSON'), { status: 400 })
    }
    requests.push(body)
    notifyWaiters()
    const side = opts.isSideRequest?.(body) === true
    const scripted = side ? undefined : queue.shift()
    const r = scripted ?? defaultReply(body)
    const res = await answerMessages(req, body, r)
    record(req.method, path, res.status, side ? 'side' : scripted ? 'queue' : 'default')
    return res
  }

  async function handleCountTokens(req: Request, path: string): Promise<Response> {
    const body: unknown = await req.json().catch(() => null)
    record(req.method, path, 200, 'builtin')
    return Response.json({ input_tokens: estimateTokens(body) })
  }

  function handleUnknown(req: Request, path: string): Response {
    unknownPaths.push(`${req.method} ${path}`)
    if (opts.logUnknown !== false) console.error(`[mock-anthropic] unknown path: ${req.method} ${path}`)
    record(req.method, path, 404, 'unknown')
    return Response.json(anthropicErrorBody(404, 'not_found_error', `mock has no route for ${path}`), { status: 404 })
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    // Hanging and slow streams must not be cut by Bun's default 10 s idle timeout.
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url)
      const path = url.pathname
      if (req.method === 'POST' && path === '/v1/messages') return handleMessages(req, path + url.search)
      if (req.method === 'POST' && path === '/v1/messages/count_tokens')
        return handleCountTokens(req, path + url.search)
      // The CLI pings this as a connectivity check when non-essential traffic is allowed.
      if (path === '/api/hello') {
        record(req.method, path, 200, 'builtin')
        return Response.json({ message: 'hello' })
      }
      return handleUnknown(req, path + url.search)
    },
  })

  const waitForRequests = (count: number, timeoutMs = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      if (requests.length >= count) return resolve()
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`mock-anthropic: timed out waiting for ${count} requests (got ${requests.length})`))
      }, timeoutMs)
      function check(): void {
        if (requests.length < count) return
        clearTimeout(timer)
        waiters.delete(check)
        resolve()
      }
      waiters.add(check)
    })

  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port ?? 0,
    requests,
    traffic,
    unknownPaths,
    enqueue: (...replies) => void queue.push(...replies),
    setScript: (replies) => void queue.splice(0, queue.length, ...replies),
    pending: () => queue.length,
    waitForRequests,
    async stop() {
      shutdown.abort()
      for (const ctl of [...openStreams]) {
        openStreams.delete(ctl)
        try {
          ctl.close()
        } catch {
          // the client already went away
        }
      }
      await server.stop(true)
    },
  }
}

/** All text blocks of one request's messages (user and assistant), minus system reminders. */
export function conversationText(body: { messages?: Array<{ role: string; content: unknown }> } | undefined): string {
  const parts: string[] = []
  for (const m of body?.messages ?? []) {
    if (typeof m.content === 'string') parts.push(`${m.role}: ${m.content}`)
    else if (Array.isArray(m.content)) {
      for (const b of m.content as Array<{ type?: string; text?: string }>) {
        if (b.type === 'text' && b.text && !b.text.startsWith('<system-reminder>')) parts.push(`${m.role}: ${b.text}`)
      }
    }
  }
  return parts.join('\n')
}
