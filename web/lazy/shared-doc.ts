// The shared document in the browser: the text at the server's version plus this tab's one unsent edit, rebased on others'.
import { signal } from '@preact/signals'
import { CchubError, type ChannelMessage } from '../../src/client/index.ts'
import { api } from '../lib/auth.ts'
import { realtime } from '../lib/realtime.ts'
import { applyEdits, diff, type Edit, mapOffset, rebase, sameEdits } from './text-edits.ts'

export interface RemoteCursor {
  user_id: string
  username: string
  offset: number
}
interface Change {
  version: number
  base_version: number
  edits: Edit[]
  user_id: string
}

export class SharedDoc {
  /** What the editor shows: the server's text with this tab's pending edit applied. */
  readonly text = signal('')
  /** This tab's caret/selection, moved along when others' edits land before it. */
  readonly selection = signal({ start: 0, end: 0 })
  readonly cursors = signal<RemoteCursor[]>([])
  readonly error = signal<string | null>(null)
  readonly ready = signal(false)
  private base = ''
  private version = 0
  private inflight: { edits: Edit[]; version: number } | null = null
  /** Messages that arrived before the document was read; replayed after it (older versions are skipped). */
  private early: ChannelMessage<any>[] | null = []
  private cursorTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    readonly sessionId: string,
    private readonly myId: string,
  ) {}

  async load(): Promise<void> {
    await this.resync()
    const early = this.early ?? []
    this.early = null
    for (const m of early) this.receive(m)
    this.ready.value = true
  }

  receive(m: ChannelMessage<any>): void {
    if (this.early) return void this.early.push(m)
    if (m.type === 'code_change') this.changed(m.data as Change)
    else if (m.type === 'cursor_update' && m.data.user_id !== this.myId) this.cursorMoved(m.data)
    else if (m.type === 'participant_left' || m.type === 'participant_removed')
      this.cursors.value = this.cursors.value.filter((c) => c.user_id !== m.data.user_id)
  }

  /** The editor's new text and selection after a keystroke; sent at once unless an edit is still on its way. */
  edited(text: string, start: number, end: number): void {
    this.text.value = text
    this.selection.value = { start, end }
    this.flush()
    this.moved(start)
  }

  /** Tells the others where this caret is, at most every 100 ms. */
  moved(offset: number): void {
    clearTimeout(this.cursorTimer)
    this.cursorTimer = setTimeout(
      () => realtime().send('cursor_update', { data: { session_id: this.sessionId, position: offset } }),
      100,
    )
  }

  close(): void {
    clearTimeout(this.cursorTimer)
  }

  private changed(d: Change): void {
    if (d.version <= this.version) return
    if (d.base_version !== this.version) return void this.resync()
    const own =
      this.inflight !== null &&
      d.user_id === this.myId &&
      this.inflight.version === d.base_version &&
      sameEdits(this.inflight.edits, d.edits)
    if (own) {
      // our own edit came back before its reply: the shown text already has it
      this.base = applyEdits(this.base, d.edits)
      this.version = d.version
      return
    }
    let local = diff(this.base, this.text.value)
    for (const e of d.edits) local = local && rebase(local, e)
    this.base = applyEdits(this.base, d.edits)
    this.version = d.version
    this.show(local ? applyEdits(this.base, [local]) : this.base)
  }

  /** Only one edit in flight: the next one is made against the version its reply brings. */
  private flush(): void {
    if (this.inflight || !this.ready.value) return
    const edit = diff(this.base, this.text.value)
    if (edit) void this.send([edit])
  }

  private async send(edits: Edit[]): Promise<void> {
    const mine = { edits, version: this.version }
    this.inflight = mine
    try {
      const r = await realtime().request<{ version: number }>('code_change', {
        data: { session_id: this.sessionId, version: mine.version, edits },
      })
      if (this.version === mine.version && r.version === mine.version + 1) {
        this.base = applyEdits(this.base, edits)
        this.version = r.version
      }
    } catch (err) {
      if (!(await this.recover(err))) return
    } finally {
      if (this.inflight === mine) this.inflight = null
    }
    this.flush()
  }

  /** STALE_VERSION carries the current text; a lost socket leaves the outcome unknown, so read it again. */
  private async recover(err: unknown): Promise<boolean> {
    const e = err as CchubError
    if (e instanceof CchubError && e.code === 'STALE_VERSION') {
      const d = e.details as { current_version: number; text: string }
      this.adopt(d.text, d.current_version)
      return true
    }
    if (e instanceof CchubError && (e.code === 'DISCONNECTED' || e.code === 'TIMEOUT')) {
      await this.resync().catch(() => {})
      return true
    }
    // a refusal (a viewer, a closed session): the edit is dropped so the text matches the server's again
    this.error.value = (err as Error).message
    this.show(this.base)
    return false
  }

  private async resync(): Promise<void> {
    const d = await api<{ text: string; version: number }>(
      `/api/v1/claude/sessions/${encodeURIComponent(this.sessionId)}/document`,
    )
    this.adopt(d.text, d.version, this.early !== null)
  }

  /** Takes the server's text at `version`, carrying this tab's pending edit over onto it. */
  private adopt(text: string, version: number, first = false): void {
    if (!first && version <= this.version) return
    const local = first ? null : diff(this.base, this.text.value)
    const remote = diff(this.base, text)
    this.base = text
    this.version = version
    this.show(local && remote ? applyEdits(text, [rebase(local, remote)]) : local ? applyEdits(text, [local]) : text)
  }

  /** Shows new text, moving this caret and the others' cursors by what changed. */
  private show(text: string): void {
    const change = diff(this.text.value, text)
    this.text.value = text
    if (!change) return
    const s = this.selection.value
    this.selection.value = { start: mapOffset(s.start, change), end: mapOffset(s.end, change) }
    this.cursors.value = this.cursors.value.map((c) => ({ ...c, offset: mapOffset(c.offset, change) }))
  }

  private cursorMoved(d: { user_id: string; username: string; position?: unknown; selection?: { end?: unknown } }) {
    const offset = toOffset(this.text.value, d.position ?? d.selection?.end)
    if (offset === null) return
    const others = this.cursors.value.filter((c) => c.user_id !== d.user_id)
    this.cursors.value = [...others, { user_id: d.user_id, username: d.username, offset }]
  }
}

/** A position is an offset or {line, column} (both counted from 0 here, as the editor sends offsets). */
function toOffset(text: string, p: unknown): number | null {
  if (typeof p === 'number') return Math.min(p, text.length)
  if (!p || typeof p !== 'object') return null
  const { line, column } = p as { line?: number; column?: number }
  if (typeof line !== 'number') return null
  const lines = text.split('\n').slice(0, line)
  const start = lines.reduce((n, l) => n + l.length + 1, 0)
  return Math.min(text.length, start + (column ?? 0))
}
