// Turns CLI output into channel messages: every line stored and published, text deltas coalesced to ~25 frames/s.
import type { ChannelLog } from '../../realtime/channel-log.ts'
import { getResult, getTextDelta } from '../cli/extract.ts'
import type { ParsedItem } from '../cli/stream-parser.ts'

export const COALESCE_MS = 40
const MAX_BATCH = 500
/** A `stream` frame is flushed early past this much text, so frames stay far below the socket backpressure limit. */
const MAX_BATCH_TEXT = 256 * 1024

export interface Progress {
  turns: number
  messages: number
  input_tokens: number
  output_tokens: number
}

/**
 * Per-execution relay. Non-delta events go out at once, each as its own `event` message; consecutive text deltas
 * are held for at most COALESCE_MS and sent together as one `stream` message that still carries every raw event,
 * so the stored log loses nothing while sockets see at most ~25 delta frames a second.
 */
export class Relay {
  readonly progress: Progress = { turns: 0, messages: 0, input_tokens: 0, output_tokens: 0 }
  private pending: Record<string, unknown>[] = []
  private pendingText = ''
  private timer: ReturnType<typeof setTimeout> | undefined
  private last: Promise<unknown> = Promise.resolve()
  private failed: unknown = null

  constructor(
    private readonly log: ChannelLog,
    private readonly executionId: string,
    private readonly channels: string[],
  ) {}

  push(item: ParsedItem): void {
    if (item.kind === 'text') {
      this.flush()
      this.emit('log', { stream: 'stdout', line: item.line, ...(item.oversize ? { truncated_bytes: item.bytes } : {}) })
      return
    }
    const event = item.event as Record<string, unknown>
    const delta = getTextDelta(item.event)
    if (delta !== undefined) {
      this.pending.push(event)
      this.pendingText += delta
      if (this.pending.length >= MAX_BATCH || this.pendingText.length >= MAX_BATCH_TEXT) this.flush()
      else this.timer ??= setTimeout(() => this.flush(), COALESCE_MS)
      return
    }
    this.flush()
    this.count(event)
    this.emit('event', { event })
  }

  /** Sends held deltas now (also called before any other event, and at the end of a run). */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (!this.pending.length) return
    const events = this.pending
    const text = this.pendingText
    this.pending = []
    this.pendingText = ''
    // a single huge delta would otherwise travel twice in one frame; its text is still in the raw event
    this.emit('stream', text.length > MAX_BATCH_TEXT ? { text: null, text_in_events: true, events } : { text, events })
  }

  /** Any extra message for the execution's channels (status, prompt attribution, stderr). */
  emit(type: string, data: Record<string, unknown>): void {
    const payload = { execution_id: this.executionId, ...data }
    for (const ch of this.channels) {
      this.last = this.log.emit(ch, type, payload).catch((err) => {
        this.failed ??= err
      })
    }
  }

  /** Resolves when everything emitted so far is stored; lets the reader apply backpressure to the CLI. */
  async settled(): Promise<void> {
    await this.last
  }

  private count(event: Record<string, unknown>) {
    if (event.type === 'assistant') {
      this.progress.messages++
      const usage = (event.message as { usage?: Record<string, number> } | undefined)?.usage
      if (usage) {
        this.progress.input_tokens = Math.max(this.progress.input_tokens, usage.input_tokens ?? 0)
        this.progress.output_tokens += usage.output_tokens ?? 0
      }
    } else if (event.type === 'user') {
      this.progress.messages++
    }
    const result = getResult(event)
    if (result) this.progress.turns = result.numTurns ?? this.progress.turns
  }
}
