// The conversation as the session's messages build it, in seq order, each seq applied once (log page + live feed).
import { batch, signal, type Signal } from '@preact/signals'
import type { LogEntry } from '../lib/types.ts'
import { type Decision, REQUEST_TYPES, Requests } from './requests.ts'

export interface PromptItem {
  kind: 'prompt'
  key: string
  username: string
  text: string
  at: string
  files: number
}
export interface TextItem {
  kind: 'text'
  key: string
  text: Signal<string>
}
export interface ToolItem {
  kind: 'tool'
  key: string
  name: string
  input: Record<string, any>
  raw: unknown
  /** The CLI's working directory (the workspace) when it made the call: its paths show relative to it. */
  cwd: string | null
  result: Signal<{ text: string; isError: boolean; raw: unknown } | null>
  /** A Task sub-agent's own messages (events naming this call as `parent_tool_use_id`), folded under its card. */
  children: Signal<Item[]>
}
export interface NoteItem {
  kind: 'note'
  key: string
  text: string
  tone: 'quiet' | 'error' | 'end'
}
export interface DecisionItem {
  kind: 'decision'
  key: string
  decision: Decision
  cwd: string | null
}
export type Item = PromptItem | TextItem | ToolItem | NoteItem | DecisionItem

export interface RunStatus {
  execution_id: string
  status: string
  queue_position: number | null
  error: string | null
  total_cost_usd: number | null
  progress?: { turns: number; messages: number; input_tokens: number; output_tokens: number }
  started_at: string | null
}

const TERMINAL_NOTES: Record<string, string> = {
  completed: 'Run completed',
  failed: 'Run failed',
  cancelled: 'Run cancelled (stopped)',
  timed_out: 'Run timed out',
  interrupted: 'Run interrupted (the server restarted)',
}

/** Text of a tool result's `content` (a string or text blocks). */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content))
    return content.map((b) => (b && typeof b === 'object' && 'text' in b ? String(b.text) : '')).join('\n')
  return content == null ? '' : JSON.stringify(content)
}

export class Transcript {
  readonly items = signal<Item[]>([])
  readonly status = signal<RunStatus | null>(null)
  readonly requests = new Requests()
  /** Highest seq applied: anything at or below it is a repeat and ignored. */
  lastSeq = 0
  /** The working directory of the latest run (from the CLI's init event). */
  private cwd: string | null = null
  private live = new Map<string, TextItem>()
  private tools = new Map<string, ToolItem>()

  apply(m: LogEntry): void {
    if (m.seq <= this.lastSeq) return
    this.lastSeq = m.seq
    const d = m.data ?? {}
    if (m.type === 'prompt')
      this.push({
        kind: 'prompt',
        key: `p${m.seq}`,
        username: d.username ?? 'someone',
        text: d.prompt ?? '',
        at: m.timestamp,
        files: d.options?.file_ids?.length ?? 0,
      })
    else if (m.type === 'stream') this.stream(m.seq, d.execution_id, d.text ?? '')
    else if (m.type === 'event') this.event(m.seq, d.execution_id, d.event ?? {})
    else if (m.type === 'status') this.setStatus(m.seq, d)
    else if (REQUEST_TYPES.has(m.type)) this.requests.add(d)
    else if (m.type === 'permission_resolved')
      this.push({ kind: 'decision', key: `r${m.seq}`, decision: this.requests.resolve(d), cwd: this.cwd })
    else if (m.type === 'log' && d.stream === 'stderr')
      this.push({ kind: 'note', key: `l${m.seq}`, text: d.line ?? '', tone: 'quiet' })
  }

  applyAll(entries: LogEntry[]): void {
    batch(() => {
      for (const e of entries) this.apply(e)
    })
  }

  /** Appends to the conversation, or under the Task card whose sub-agent produced the item. */
  private push(item: Item, parent?: ToolItem): void {
    const list = parent?.children ?? this.items
    list.value = [...list.value, item]
  }

  private stream(seq: number, execution: string, text: string): void {
    const live = this.live.get(execution)
    if (live) live.text.value += text
    else {
      const item: TextItem = { kind: 'text', key: `t${seq}`, text: signal(text) }
      this.live.set(execution, item)
      this.push(item)
    }
  }

  private event(seq: number, execution: string, ev: Record<string, any>): void {
    const parent = ev.parent_tool_use_id ? this.tools.get(String(ev.parent_tool_use_id)) : undefined
    if (ev.type === 'assistant') {
      for (const [i, block] of (ev.message?.content ?? []).entries()) {
        // a sub-agent's text never streamed into the main live item: it goes under its Task card whole
        if (block.type === 'text' && parent)
          this.push({ kind: 'text', key: `a${seq}.${i}`, text: signal(block.text ?? '') }, parent)
        else if (block.type === 'text') this.finishText(seq, i, execution, block.text ?? '')
        else if (block.type === 'tool_use') this.toolUse(`u${seq}.${i}`, block, ev, parent)
        else if (block.type === 'thinking')
          this.push({ kind: 'note', key: `k${seq}.${i}`, text: 'Thinking…', tone: 'quiet' }, parent)
      }
    } else if (ev.type === 'user') {
      for (const block of Array.isArray(ev.message?.content) ? ev.message.content : []) {
        const tool = block.type === 'tool_result' ? this.tools.get(block.tool_use_id) : undefined
        if (tool) tool.result.value = { text: resultText(block.content), isError: block.is_error === true, raw: ev }
      }
    } else if (ev.type === 'system' && ev.subtype === 'init') {
      this.cwd = typeof ev.cwd === 'string' ? ev.cwd : null
      this.push({
        kind: 'note',
        key: `s${seq}`,
        text: `Claude started${ev.model ? ` · ${ev.model}` : ''}`,
        tone: 'quiet',
      })
    } else if (ev.type === 'system' && ev.subtype === 'api_retry') {
      this.push({ kind: 'note', key: `s${seq}`, text: 'Retrying the API request…', tone: 'quiet' })
    }
  }

  /** The complete text block replaces what streamed in for it, so a missed delta can never stay wrong. */
  private finishText(seq: number, i: number, execution: string, text: string): void {
    const live = this.live.get(execution)
    this.live.delete(execution)
    if (live) live.text.value = text
    else this.push({ kind: 'text', key: `a${seq}.${i}`, text: signal(text) })
  }

  private toolUse(key: string, block: Record<string, any>, raw: unknown, parent?: ToolItem): void {
    const item: ToolItem = {
      kind: 'tool',
      key,
      name: String(block.name),
      input: block.input ?? {},
      raw,
      cwd: this.cwd,
      result: signal(null),
      children: signal([]),
    }
    this.tools.set(String(block.id), item)
    this.push(item, parent)
  }

  private setStatus(seq: number, d: RunStatus): void {
    this.status.value = d
    const note = TERMINAL_NOTES[d.status]
    if (!note) return
    this.live.delete(d.execution_id)
    const text = d.error ? `${note}: ${d.error}` : note
    this.push({ kind: 'note', key: `e${seq}`, text, tone: d.status === 'completed' ? 'end' : 'error' })
  }
}
