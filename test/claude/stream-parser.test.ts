// Stream parser: every recorded CLI sample (2.1.197, 2.1.330) in random chunkings, extractors, schemas, line splitting.
import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { getInit, getResult, getTextDelta } from '../../src/modules/claude/cli/extract.ts'
import {
  DEFAULT_MAX_LINE_BYTES,
  StreamParser,
  parseLine,
  parseStream,
  type CliJsonEvent,
  type JsonItem,
  type ParsedItem,
} from '../../src/modules/claude/cli/stream-parser.ts'
import { CLI_EVENT_SCHEMAS, type CliEventKey } from '../support/cli-events.ts'
import {
  eventKey,
  getApiRetry,
  getAssistantText,
  getControlResponse,
  getSessionId,
  isTextDelta,
} from '../support/cli-extract.ts'
import { waitFor } from '../support/wait.ts'

const SAMPLES = join(import.meta.dir, '../fixtures/claude-cli/samples')
const encoder = new TextEncoder()

/** The samples are vendored in test/fixtures: a missing directory is an error (readdirSync throws), never a skip. */
function sampleFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) return sampleFiles(full)
    return name.endsWith('.jsonl') ? [full] : []
  })
}

/** Small deterministic PRNG so a failing chunking can be reproduced from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function chunked(bytes: Uint8Array, seed: number, maxChunk = 97): Uint8Array[] {
  const rnd = prng(seed)
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.byteLength; ) {
    const size = 1 + Math.floor(rnd() * maxChunk)
    out.push(bytes.subarray(i, i + size))
    i += size
  }
  return out
}

function feed(chunks: Array<Uint8Array | string>, parser = new StreamParser()): ParsedItem[] {
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()]
}

function expectedItems(text: string): Array<{ kind: 'json'; value: unknown } | { kind: 'text'; line: string }> {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '')
    .map((line) => {
      try {
        const value: unknown = JSON.parse(line)
        if (value !== null && typeof value === 'object' && !Array.isArray(value))
          return { kind: 'json' as const, value }
      } catch {
        // text line
      }
      return { kind: 'text' as const, line }
    })
}

function jsonEvents(items: ParsedItem[]): CliJsonEvent[] {
  return items.filter((i): i is JsonItem => i.kind === 'json').map((i) => i.event)
}

function parseFile(file: string, seed = 1): ParsedItem[] {
  return feed(chunked(readFileSync(file), seed))
}

function sample(rel: string): CliJsonEvent[] {
  return jsonEvents(parseFile(join(SAMPLES, rel)))
}

function resultOf(rel: string) {
  const event = sample(rel).find((e) => e.type === 'result')
  expect(event).toBeDefined()
  return getResult(event as CliJsonEvent)!
}

describe('every recorded sample', () => {
  const files = sampleFiles(SAMPLES)

  test('there are samples of both CLI versions', () => {
    expect(files.filter((f) => f.includes('/v2.1.330/')).length).toBeGreaterThan(10)
    expect(files.filter((f) => !f.includes('/v2.1.330/')).length).toBeGreaterThan(40)
  })

  for (const file of files) {
    const name = file.slice(SAMPLES.length + 1)
    test(`${name}: all lines come out, in order, for any chunking`, () => {
      const bytes = readFileSync(file)
      const expected = expectedItems(bytes.toString('utf8'))
      for (const seed of [1, 2, 3, 42]) {
        const items = feed(chunked(bytes, seed, seed === 42 ? 7 : 97))
        expect(items.length).toBe(expected.length)
        items.forEach((item, i) => {
          const want = expected[i]!
          expect(item.kind).toBe(want.kind)
          if (item.kind === 'json' && want.kind === 'json') {
            expect(item.event).toEqual(want.value as CliJsonEvent)
            expect(JSON.parse(item.raw)).toEqual(want.value)
          } else if (item.kind === 'text' && want.kind === 'text') {
            expect(item.line).toBe(want.line)
          }
        })
      }
    })
  }

  test('line counts agree with the capture metadata', () => {
    let checked = 0
    for (const file of files) {
      const items = parseFile(file)
      const base = file.slice(0, -'.jsonl'.length)
      if (existsSync(`${base}.meta`)) {
        const lines = /lines=(\d+)/.exec(readFileSync(`${base}.meta`, 'utf8'))
        if (lines) {
          expect({ file, n: items.length }).toEqual({ file, n: Number(lines[1]) })
          checked++
        }
      } else if (existsSync(`${base}.meta.json`)) {
        const meta = JSON.parse(readFileSync(`${base}.meta.json`, 'utf8')) as { timeline: Array<{ t?: string }> }
        const printed = meta.timeline.filter((e) => e.t !== undefined).length
        expect({ file, n: items.length }).toEqual({ file, n: printed })
        checked++
      }
    }
    expect(checked).toBeGreaterThan(50)
  })

  test('every known event validates against its TypeBox schema, in both versions', () => {
    const seen = new Set<string>()
    for (const file of files) {
      for (const event of jsonEvents(parseFile(file))) {
        const key = eventKey(event)
        seen.add(key)
        const schema = CLI_EVENT_SCHEMAS[key as CliEventKey]
        expect(schema).toBeDefined()
        if (!schema) continue
        if (!Value.Check(schema, event)) {
          const errors = [...Value.Errors(schema, event)].slice(0, 3).map((e) => `${e.path}: ${e.message}`)
          throw new Error(`${file}: ${key} does not match its schema: ${errors.join('; ')}`)
        }
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'assistant',
        'control_response',
        'result',
        'stream_event',
        'system:api_retry',
        'system:init',
        'system:permission_denied',
        'system:status',
        'user',
      ].sort(),
    )
  })

  test('every event but control_response carries a session id', () => {
    for (const file of files) {
      for (const event of jsonEvents(parseFile(file))) {
        if (event.type === 'control_response') expect(getSessionId(event)).toBeUndefined()
        else expect(getSessionId(event)).toMatch(/^[0-9a-f-]{36}$/)
      }
    }
  })
})

describe('extractors on recorded samples', () => {
  test('system/init (2.1.197)', () => {
    const init = getInit(sample('simple.jsonl')[0]!)
    expect(init).toMatchObject({
      sessionId: 'f50c5df8-591c-43da-847b-c4c3d817df5e',
      model: 'claude-opus-4-8[1m]',
      cwd: '/home/alice/project',
      permissionMode: 'default',
      claudeCodeVersion: '2.1.197',
      mcpServers: [],
    })
    expect(init!.tools).toContain('Bash')
    expect(init!.tools).toContain('Write')
  })

  test('system/init (2.1.330)', () => {
    const events = sample('v2.1.330/simple-1.jsonl')
    const init = getInit(events[0]!)
    expect(init?.claudeCodeVersion).toBe('2.1.330')
    expect(init?.sessionId).toBe(getSessionId(events.at(-1)!)!)
    expect(init?.tools).toContain('Bash')
    expect(getInit(events.at(-1)!)).toBeUndefined()
  })

  test('successful result (2.1.197)', () => {
    const r = resultOf('simple.jsonl')
    expect(r).toMatchObject({
      sessionId: 'f50c5df8-591c-43da-847b-c4c3d817df5e',
      subtype: 'success',
      isError: false,
      numTurns: 1,
      totalCostUsd: 0.01584,
      durationMs: 125,
      durationApiMs: 27,
      result: 'Hello from mock',
      apiErrorStatus: null,
      stopReason: 'end_turn',
      terminalReason: 'completed',
      permissionDenials: [],
      errors: [],
    })
    expect(r.usage).toMatchObject({
      inputTokens: 3113,
      outputTokens: 11,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
    })
  })

  test('successful result (2.1.330, keys in a different order)', () => {
    const r = resultOf('v2.1.330/simple-1.jsonl')
    expect(r.subtype).toBe('success')
    expect(r.isError).toBe(false)
    expect(r.result).toBe('Hello from mock')
    expect(r.totalCostUsd).toBeGreaterThan(0)
    expect(r.apiErrorStatus).toBeNull()
    expect(r.usage?.outputTokens).toBeGreaterThan(0)
  })

  test('cost: total_cost_usd is cumulative per process; 2.1.330 also reports the turn cost', () => {
    const twoTurns = sample('input-stream-json-2msgs.jsonl')
      .map(getResult)
      .filter((r) => r !== undefined)
    expect(twoTurns).toHaveLength(2)
    expect(twoTurns[1]!.totalCostUsd!).toBeGreaterThan(twoTurns[0]!.totalCostUsd! * 1.5)
    expect(twoTurns[0]!.turnCostUsd).toBeUndefined()
    const single = resultOf('v2.1.330/simple-1.jsonl')
    expect(single.turnCostUsd).toBeCloseTo(single.totalCostUsd!, 10)
  })

  test('text deltas rebuild the assistant text (both versions)', () => {
    for (const rel of ['partial.jsonl', 'v2.1.330/partial.jsonl', 'slow-partial.jsonl']) {
      const events = sample(rel)
      const deltas = events.filter(isTextDelta).map((e) => getTextDelta(e)!)
      expect(deltas.length).toBeGreaterThan(2)
      expect(deltas.join('')).toBe(getAssistantText(events.find((e) => e.type === 'assistant')!)!)
    }
  })

  test('input_json_delta is not a text delta', () => {
    const events = sample('tool-bash-partial.jsonl')
    const jsonDeltas = events.filter((e) => JSON.stringify(e).includes('input_json_delta'))
    expect(jsonDeltas.length).toBe(3)
    for (const e of jsonDeltas) expect(getTextDelta(e)).toBeUndefined()
  })

  test('API errors: result subtype success with is_error and api_error_status', () => {
    expect(resultOf('err-500-maxretries0.jsonl')).toMatchObject({
      subtype: 'success',
      isError: true,
      apiErrorStatus: 500,
      terminalReason: 'completed',
    })
    expect(resultOf('err-529-maxretries1.jsonl')).toMatchObject({ isError: true, apiErrorStatus: 529 })
    expect(resultOf('err-401-maxretries1.jsonl')).toMatchObject({
      isError: true,
      apiErrorStatus: 401,
      result: 'Invalid API key · Fix external API key',
    })
    expect(resultOf('v2.1.330/err-529-maxretries0.jsonl')).toMatchObject({
      subtype: 'success',
      isError: true,
      apiErrorStatus: 529,
      terminalReason: 'api_error',
    })
    expect(resultOf('err-mock-down-maxretries0.jsonl')).toMatchObject({
      isError: true,
      apiErrorStatus: null,
      result: 'API Error: Unable to connect to API (ConnectionRefused)',
    })
    expect(resultOf('v2.1.330/err-500-maxretries1.jsonl').result).toStartWith('API Error: 500')
  })

  test('api_retry events', () => {
    const retries = sample('v2.1.330/err-401-maxretries2.jsonl')
      .map(getApiRetry)
      .filter((r) => r !== undefined)
    expect(retries).toHaveLength(2)
    expect(retries[0]).toMatchObject({ attempt: 1, maxRetries: 2, errorStatus: 401, error: 'authentication_failed' })
    expect(getApiRetry(sample('err-500-maxretries1.jsonl')[1]!)).toMatchObject({
      attempt: 1,
      errorStatus: 500,
      error: 'server_error',
    })
  })

  test('max turns: error_max_turns without result text', () => {
    for (const rel of ['tool-max-turns-1.jsonl', 'v2.1.330/tool-max-turns-1.jsonl']) {
      const r = resultOf(rel)
      expect(r).toMatchObject({
        subtype: 'error_max_turns',
        isError: true,
        numTurns: 2,
        terminalReason: 'max_turns',
        errors: ['Reached maximum number of turns (1)'],
      })
      expect(r.result).toBeUndefined()
      expect(r.apiErrorStatus).toBeUndefined()
    }
  })

  test('permission denials', () => {
    for (const rel of ['tool-write-default-denied.jsonl', 'v2.1.330/tool-write-default-denied.jsonl']) {
      const r = resultOf(rel)
      expect(r.isError).toBe(false)
      expect(r.permissionDenials).toHaveLength(1)
      expect(r.permissionDenials[0]).toMatchObject({
        toolName: 'Write',
        toolInput: { file_path: '/home/alice/project/mock-written.txt' },
      })
      expect(r.permissionDenials[0]!.toolUseId).toStartWith('toolu_')
    }
  })

  test('interrupt: control_response then an error_during_execution result', () => {
    const events = sample('input-stream-json-control-interrupt.jsonl')
    const control = events.map(getControlResponse).find((c) => c !== undefined)
    expect(control).toEqual({ requestId: 'req-int-1', ok: true, error: undefined, response: undefined })
    const results = events.map(getResult).filter((r) => r !== undefined)
    expect(results.map((r) => r.subtype)).toEqual(['error_during_execution', 'success'])
    expect(results[0]).toMatchObject({ isError: true, terminalReason: 'aborted_streaming', result: undefined })
  })

  test('unknown --resume id', () => {
    expect(resultOf('err-resume-unknown-session.jsonl')).toMatchObject({
      subtype: 'error_during_execution',
      isError: true,
      numTurns: 0,
      errors: ['No conversation found with session ID: 00000000-0000-4000-8000-000000000000'],
    })
  })

  test('text output format is a text item', () => {
    const items = parseFile(join(SAMPLES, 'err-500-maxretries0-text.jsonl'))
    expect(items).toHaveLength(1)
    expect(items[0]!.kind).toBe('text')
  })
})

describe('line splitting', () => {
  const event = { type: 'assistant', text: 'héllo 😀 日本語 ∑' }
  const line = JSON.stringify(event)

  test('a line split at every possible byte offset (multi-byte UTF-8 included)', () => {
    const bytes = encoder.encode(`${line}\n`)
    for (let cut = 0; cut <= bytes.byteLength; cut++) {
      const items = feed([bytes.subarray(0, cut), bytes.subarray(cut)])
      expect(items).toEqual([{ kind: 'json', event, raw: line }])
    }
  })

  test('one byte per chunk', () => {
    const bytes = encoder.encode(`${line}\nplain text ✓\n${line}\n`)
    const items = feed(chunked(bytes, 9, 1))
    expect(items.map((i) => i.kind)).toEqual(['json', 'text', 'json'])
    expect(items[1]).toEqual({ kind: 'text', line: 'plain text ✓' })
  })

  test('many lines in one chunk', () => {
    const items = feed([`${line}\n`.repeat(1000)])
    expect(items).toHaveLength(1000)
  })

  test('CRLF terminators are stripped', () => {
    const items = feed([`${line}\r\n`, 'text line\r\n', '\r\n'])
    expect(items).toEqual([
      { kind: 'json', event, raw: line },
      { kind: 'text', line: 'text line' },
    ])
  })

  test('final line without newline is flushed by end()', () => {
    const parser = new StreamParser()
    expect(parser.push(`${line}\n{"type":"result"`)).toHaveLength(1)
    expect(parser.push(',"is_error":false}')).toEqual([])
    expect(parser.end()).toEqual([
      { kind: 'json', event: { type: 'result', is_error: false }, raw: '{"type":"result","is_error":false}' },
    ])
    expect(parser.end()).toEqual([])
  })

  test('blank and whitespace-only lines are skipped', () => {
    expect(feed(['\n\n   \n\t\n', `${line}\n\n`])).toHaveLength(1)
  })

  test('non-object JSON and broken JSON are text', () => {
    const items = feed(['[1,2]\n42\n"str"\nnull\n{"broken": \n{not json}\n'])
    expect(items.every((i) => i.kind === 'text')).toBe(true)
    expect(items.map((i) => (i as { line: string }).line)).toEqual([
      '[1,2]',
      '42',
      '"str"',
      'null',
      '{"broken": ',
      '{not json}',
    ])
  })

  test('unknown event types pass through untouched', () => {
    const odd = { type: 'brand_new_event', nested: { a: [1, { b: null }] }, 'weird key': true }
    const item = parseLine(JSON.stringify(odd))
    expect(item).toEqual({ kind: 'json', event: odd, raw: JSON.stringify(odd) })
  })

  test('invalid UTF-8 and random bytes never throw', () => {
    const rnd = prng(7)
    const bytes = new Uint8Array(200_000).map(() => Math.floor(rnd() * 256))
    const newlines = bytes.filter((b) => b === 10).length
    const items = feed(chunked(bytes, 3, 4096))
    expect(items.length).toBeLessThanOrEqual(newlines + 1)
    expect(items.length).toBeGreaterThan(newlines / 2)
  })

  test('string chunks work too', () => {
    expect(feed([line.slice(0, 10), `${line.slice(10)}\n`])).toEqual([{ kind: 'json', event, raw: line }])
  })
})

describe('oversize lines', () => {
  test('a line over maxLineBytes becomes an oversize text item and the next line still parses', () => {
    const parser = new StreamParser({ maxLineBytes: 1024, previewBytes: 100 })
    const big = `{"type":"stream_event","text":"${'y'.repeat(10_000)}"}`
    const bytes = encoder.encode(`${big}\n{"type":"result"}\n`)
    const items: ParsedItem[] = []
    for (const c of chunked(bytes, 5, 300)) {
      items.push(...parser.push(c))
      expect(parser.bufferedBytes).toBeLessThanOrEqual(1024)
    }
    items.push(...parser.end())
    expect(items).toHaveLength(2)
    expect(items[0]).toEqual({ kind: 'text', line: big.slice(0, 100), oversize: true, bytes: big.length })
    expect(items[1]).toMatchObject({ kind: 'json', event: { type: 'result' } })
  })

  test('a line of exactly maxLineBytes is kept; one byte more is not', () => {
    const exact = `{"a":"${'z'.repeat(64 - 8)}"}`
    expect(exact.length).toBe(64)
    expect(feed([`${exact}\n`], new StreamParser({ maxLineBytes: 64 }))[0]!.kind).toBe('json')
    expect(feed([`${exact} \n`], new StreamParser({ maxLineBytes: 64 }))[0]).toMatchObject({
      kind: 'text',
      oversize: true,
      bytes: 65,
    })
  })

  test('oversize CRLF line: the CR is not counted; the preview never ends in a broken character', () => {
    const big = '€'.repeat(400) // 3 bytes each
    const items = feed([`${big}\r\n`], new StreamParser({ maxLineBytes: 500, previewBytes: 100 }))
    expect(items[0]).toMatchObject({ kind: 'text', oversize: true, bytes: 1200 })
    expect((items[0] as { line: string }).line).toBe('€'.repeat(33))
  })

  test('an oversize final line without newline', () => {
    const items = feed(['x'.repeat(5000)], new StreamParser({ maxLineBytes: 1000, previewBytes: 10 }))
    expect(items).toEqual([{ kind: 'text', line: 'x'.repeat(10), oversize: true, bytes: 5000 }])
  })

  test('default limit: a 5 MB event parses, a 9 MB line is reported with its size', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(8 * 1024 * 1024)
    const five = `{"type":"stream_event","t":"${'a'.repeat(5 * 1024 * 1024)}"}`
    const nine = 'b'.repeat(9 * 1024 * 1024)
    const parser = new StreamParser()
    const items: ParsedItem[] = []
    for (const c of chunked(encoder.encode(`${five}\n${nine}\n{"type":"result"}\n`), 11, 65_536)) {
      items.push(...parser.push(c))
      expect(parser.bufferedBytes).toBeLessThanOrEqual(DEFAULT_MAX_LINE_BYTES)
    }
    items.push(...parser.end())
    expect(items.map((i) => i.kind)).toEqual(['json', 'text', 'json'])
    expect((items[0] as JsonItem).raw.length).toBe(five.length)
    expect(items[1]).toMatchObject({ oversize: true, bytes: nine.length })
    expect((items[1] as { line: string }).line.length).toBe(1024)
  })
})

describe('parseStream', () => {
  const text =
    '{"type":"system","subtype":"init","session_id":"s1"}\nnoise\n{"type":"result","subtype":"success","is_error":false}'

  async function collect(source: Parameters<typeof parseStream>[0]): Promise<ParsedItem[]> {
    const items: ParsedItem[] = []
    for await (const item of parseStream(source)) items.push(item)
    return items
  }

  test('from a ReadableStream with awkward chunk boundaries', async () => {
    const chunks = chunked(encoder.encode(text), 4, 5)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c)
        controller.close()
      },
    })
    const items = await collect(stream)
    expect(items.map((i) => i.kind)).toEqual(['json', 'text', 'json'])
  })

  test("from Bun.spawn's stdout", async () => {
    const file = join(SAMPLES, 'v2.1.330/partial.jsonl')
    const proc = Bun.spawn(['cat', file], { stdout: 'pipe' })
    const items = await collect(proc.stdout)
    expect(items).toHaveLength(expectedItems(readFileSync(file, 'utf8')).length)
    expect(await proc.exited).toBe(0)
  })

  test('from an array of string chunks', async () => {
    expect(await collect([text.slice(0, 7), text.slice(7)])).toHaveLength(3)
  })
})

describe('extractor edge cases', () => {
  test('wrong event kinds give undefined', () => {
    const result = { type: 'result', subtype: 'success', is_error: false }
    expect(getInit(result)).toBeUndefined()
    expect(getTextDelta(result)).toBeUndefined()
    expect(getApiRetry(result)).toBeUndefined()
    expect(getControlResponse(result)).toBeUndefined()
    expect(getAssistantText(result)).toBeUndefined()
    expect(getResult({ type: 'assistant' })).toBeUndefined()
    expect(getInit({ type: 'system', subtype: 'init' })).toBeUndefined()
  })

  test('a sparse result still yields safe defaults', () => {
    expect(getResult({ type: 'result' })).toMatchObject({
      subtype: 'unknown',
      isError: false,
      permissionDenials: [],
      errors: [],
      usage: undefined,
    })
  })

  test('eventKey', () => {
    expect(eventKey({ type: 'system', subtype: 'init' })).toBe('system:init')
    expect(eventKey({ type: 'result', subtype: 'success' })).toBe('result')
    expect(eventKey({ type: 42 })).toBe('')
  })

  test('control_response error', () => {
    const event = {
      type: 'control_response',
      response: { subtype: 'error', request_id: 'x', error: 'Unsupported control request subtype: nope' },
    }
    expect(getControlResponse(event)).toEqual({
      requestId: 'x',
      ok: false,
      error: 'Unsupported control request subtype: nope',
      response: undefined,
    })
  })
})

describe('fake CLI output through the parser', () => {
  const FAKE = join(import.meta.dir, '../support/fake-claude')
  const ARGS = ['-p', '--output-format', 'stream-json', '--verbose', '--include-partial-messages']

  function spawnFake(
    mode: string,
    extra: string[] = ['--', 'hi'],
    env: Record<string, string> = {},
    stdin: 'ignore' | 'pipe' = 'ignore',
  ) {
    return Bun.spawn([FAKE, ...ARGS, ...extra], {
      stdin,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', FAKE_CLAUDE_MODE: mode, ...env },
    })
  }

  async function collect(stream: ReadableStream<Uint8Array>): Promise<ParsedItem[]> {
    const items: ParsedItem[] = []
    for await (const item of parseStream(stream)) items.push(item)
    return items
  }

  test('replay: the sample comes out with a fresh (or the resumed) session id', async () => {
    const sid = '11111111-2222-4333-8444-555555555555'
    const proc = spawnFake('replay', ['--resume', sid, '--', 'hi'], {
      FAKE_CLAUDE_SAMPLE: join(SAMPLES, 'partial.jsonl'),
    })
    const events = jsonEvents(await collect(proc.stdout))
    expect(await proc.exited).toBe(0)
    expect(events).toHaveLength(12)
    expect(new Set(events.map(getSessionId))).toEqual(new Set([sid]))
    expect(getResult(events.at(-1)!)?.result).toBe('Hello from mock')
  })

  test('lines: N text deltas and a result', async () => {
    const proc = spawnFake('lines', undefined, { FAKE_CLAUDE_LINES: '500' })
    const events = jsonEvents(await collect(proc.stdout))
    expect(await proc.exited).toBe(0)
    expect(events.filter(isTextDelta)).toHaveLength(500)
    expect(getResult(events.at(-1)!)).toMatchObject({ subtype: 'success', isError: false })
    for (const e of events) {
      const schema = CLI_EVENT_SCHEMAS[eventKey(e) as CliEventKey]
      expect(schema && Value.Check(schema, e)).toBe(true)
    }
  })

  test('garbage: text items between valid events, result still found', async () => {
    const proc = spawnFake('garbage')
    const items = await collect(proc.stdout)
    expect(await proc.exited).toBe(0)
    expect(items.filter((i) => i.kind === 'text').length).toBe(5)
    expect(getResult(jsonEvents(items).at(-1)!)?.isError).toBe(false)
  })

  test('huge: a 5 MB line parses as one event', async () => {
    const proc = spawnFake('huge')
    const items = await collect(proc.stdout)
    expect(await proc.exited).toBe(0)
    const delta = jsonEvents(items)
      .map(getTextDelta)
      .find((t) => t !== undefined)
    expect(delta?.length).toBe(5 * 1024 * 1024)
  })

  test('crash: partial output, stack on stderr, exit 1, no result', async () => {
    const proc = spawnFake('crash')
    const items = await collect(proc.stdout)
    expect(await proc.exited).toBe(1)
    expect(await new Response(proc.stderr).text()).toContain('simulated crash')
    expect(jsonEvents(items).some((e) => e.type === 'result')).toBe(false)
    expect(items.length).toBeGreaterThan(2)
  })

  test('hang: SIGTERM exits 143 like the real CLI', async () => {
    const proc = spawnFake('hang')
    const parser = new StreamParser()
    const reader = proc.stdout.getReader()
    const seen: ParsedItem[] = []
    while (!seen.some((i) => i.kind === 'json' && isTextDelta(i.event))) {
      const { value, done } = await reader.read()
      if (done) break
      seen.push(...parser.push(value))
    }
    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(143)
  })

  test('stream-json input: turns, interrupt, and the exit code of the last result', async () => {
    const proc = spawnFake(
      'slow',
      ['--input-format', 'stream-json'],
      { FAKE_CLAUDE_LINES: '20', FAKE_CLAUDE_DELAY_MS: '20' },
      'pipe',
    )
    const user = (text: string) => `${JSON.stringify({ type: 'user', message: { role: 'user', content: text } })}\n`
    const stdin = proc.stdin
    if (!stdin) throw new Error('stdin is not piped')
    const items: ParsedItem[] = []
    const pump = (async () => {
      for await (const item of parseStream(proc.stdout)) items.push(item)
    })()
    stdin.write(user('one'))
    await stdin.flush()
    await waitFor(() => jsonEvents(items).some(isTextDelta), 15_000, 'a text delta')
    stdin.write(
      `${JSON.stringify({ type: 'control_request', request_id: 'i-1', request: { subtype: 'interrupt' } })}\n`,
    )
    await stdin.flush()
    await waitFor(() => jsonEvents(items).some((e) => e.type === 'result'), 15_000, 'the result')
    stdin.write(user('two'))
    await stdin.end()
    expect(await proc.exited).toBe(0)
    await pump
    const events = jsonEvents(items)
    expect(events.map(getControlResponse).find((c) => c !== undefined)).toMatchObject({ requestId: 'i-1', ok: true })
    expect(
      events
        .map(getResult)
        .filter((r) => r !== undefined)
        .map((r) => r.subtype),
    ).toEqual(['error_during_execution', 'success'])
  })
})
