// Claude's output on a session channel as the seed's claude_response: chunks while it streams, then a final one.
import { ExecutionResults, FINAL_STATUSES, streamText } from '../shared.ts'
import type { ClaudeResponseData } from './model.ts'
import { frame } from './render.ts'

type Data = Record<string, any>

/** Per connection: what each execution said so far, and which ones its sender wanted without chunks. */
export class ClaudeResponses {
  private readonly text = new Map<string, string>()
  private readonly results = new ExecutionResults()
  private readonly quiet = new Set<string>()

  constructor(private readonly write: (frame: string) => boolean) {}

  /** The sender asked `stream: false`: this connection gets only the final claude_response. */
  unstreamed(executionId: string): void {
    this.quiet.add(executionId)
  }

  /** One channel frame of cchub (`stream`, `event`, `status`); true when it was Claude output (handled here). */
  handle(type: string, d: Data, at: string): boolean {
    const id = d.execution_id as string
    if (type === 'stream') return this.chunk(id, d, at)
    if (type === 'event') {
      this.results.see(id, d.event)
      return true
    }
    if (type === 'status') return !FINAL_STATUSES.has(d.status) || this.final(id, d, at)
    return false
  }

  private chunk(id: string, d: Data, at: string): boolean {
    const content = streamText(d)
    this.text.set(id, (this.text.get(id) ?? '') + content)
    const chunk: ClaudeResponseData = {
      message_id: id,
      session_id: d.session_id ?? null,
      content,
      stream: true,
      completed: false,
    }
    if (!this.quiet.has(id)) this.write(frame('claude_response', chunk, at))
    return true
  }

  /** The end of a run: the whole reply (`completed: true`), or an `error` and a final frame that did not complete. */
  private final(id: string, d: Data, at: string): boolean {
    const content = this.results.take(id) ?? this.text.get(id) ?? ''
    this.text.delete(id)
    this.quiet.delete(id)
    const ok = d.status === 'completed'
    if (!ok)
      this.write(
        frame(
          'error',
          { code: 'EXECUTION_FAILED', message: d.error ?? `Claude's run ended: ${d.status}`, message_id: id },
          at,
        ),
      )
    const last: ClaudeResponseData = {
      message_id: id,
      session_id: d.session_id ?? null,
      content,
      stream: false,
      completed: ok,
      status: d.status,
    }
    this.write(frame('claude_response', last, at))
    return true
  }
}
