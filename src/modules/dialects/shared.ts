// What several dialects read from cchub's frames the same way: runs' final statuses, text deltas, results, own requests.
import { getTextDelta } from '../claude/cli/extract.ts'
import type { DialectIO } from '../realtime/dialect.ts'
import type { ServerEnvelope } from '../realtime/model.ts'

type Rec = Record<string, unknown>
export const isRec = (v: unknown): v is Rec => !!v && typeof v === 'object' && !Array.isArray(v)

/** The statuses that end a run: the `status` message carrying one is the run's last. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set([
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'interrupted',
])

/** The text of one `stream` frame: cchub coalesces the CLI's deltas (`events`), or sends the text itself. */
export function streamText(data: Rec): string {
  if (typeof data.text === 'string') return data.text
  const events = Array.isArray(data.events) ? data.events.filter(isRec) : []
  return events.map((e) => getTextDelta(e) ?? '').join('')
}

/** A tool_result block's content as text: a string, or its text blocks joined. */
export function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((b) => (isRec(b) && typeof b.text === 'string' ? b.text : '')).join('')
}

/** Writes each frame as JSON; false when any could not go (the socket is gone). */
export function writeFrames(io: Pick<DialectIO, 'write'>, frames: readonly unknown[]): boolean {
  let ok = true
  for (const f of frames) ok = io.write(JSON.stringify(f)) && ok
  return ok
}

/**
 * Claude's final answer per execution, from the CLI's `result` event until the run's final `status` takes it: the
 * seeds want the answer in the frame that ends the run, which cchub sends separately.
 */
export class ExecutionResults {
  private readonly results = new Map<string, string>()

  /** Remembers the answer when `event` is the CLI's result; true when it was. */
  see(executionId: string, event: unknown): boolean {
    if (!isRec(event) || event.type !== 'result') return false
    if (typeof event.result === 'string') this.results.set(executionId, event.result)
    return true
  }

  take(executionId: string): string | undefined {
    const result = this.results.get(executionId)
    this.results.delete(executionId)
    return result
  }
}

/**
 * The requests a dialect makes of cchub's dispatcher for its client, under ids of its own (`<prefix>:<n>`, which a
 * client's ids never match), so each reply is recognised and rendered for what was asked.
 */
export class OwnRequests<T> {
  private readonly open = new Map<string, T>()
  private n = 0

  constructor(private readonly prefix: string) {}

  track(request: T): string {
    const id = `${this.prefix}:${++this.n}`
    this.open.set(id, request)
    return id
  }

  /** The request `env` answers, if it is one of these (still open). */
  of(env: ServerEnvelope): T | undefined {
    return env.id === undefined ? undefined : this.open.get(String(env.id))
  }

  /** Like `of`, and the request is done: its reply has come. */
  take(env: ServerEnvelope): T | undefined {
    const request = this.of(env)
    if (request !== undefined) this.open.delete(String(env.id))
    return request
  }
}
