// One open session: its history from the log, then the live channel through the SDK resuming after the last seq seen.
import { signal } from '@preact/signals'
import type { ChannelMessage } from '../../src/client/index.ts'
import type { PermissionAnswer } from '../../src/modules/permissions/model.ts'
import { api, me } from '../lib/auth.ts'
import { ApiError } from '../lib/http.ts'
import { askForNotificationsOnce, markSeen, notifyIfNew } from '../lib/notify.ts'
import { realtime } from '../lib/realtime.ts'
import type { ExecuteResponse, FileView, LogEntry, Session } from '../lib/types.ts'
import type { RunOptions } from './run-options.tsx'
import type { Participant } from './side-panel.tsx'
import { Transcript } from './transcript.ts'

const PRESENCE = new Set([
  'participant_joined',
  'participant_left',
  'participant_added',
  'participant_removed',
  'role_changed',
])

/** What the shared document needs: its edits, the cursors, and who left (their cursor goes). */
const DOC = new Set(['code_change', 'cursor_update', 'participant_left', 'participant_removed'])

export class SessionController {
  readonly transcript = new Transcript()
  readonly session = signal<Session | null>(null)
  readonly participants = signal<Participant[]>([])
  readonly files = signal<FileView[]>([])
  readonly attached = signal<FileView[]>([])
  readonly error = signal<string | null>(null)
  /** Who else is typing now (usernames), from the live `typing` relays; the server sends the stop itself on expiry. */
  readonly typing = signal<string[]>([])
  readonly peopleError = signal<string | null>(null)
  /** The server's refusal of this tab's last answer (ALREADY_RESOLVED naming who answered, FORBIDDEN, …). */
  readonly answerError = signal<string | null>(null)
  /** The shared document's handler of live messages, set while its (lazily loaded) editor is open. */
  docListener: ((m: ChannelMessage<any>) => void) | null = null
  /** This user lost access (removed, or the workspace membership ended): the page says so instead of breaking. */
  readonly removed = signal(false)
  private unsubscribe: (() => void) | null = null
  private closed = false

  constructor(readonly id: string) {}

  async open(): Promise<void> {
    try {
      const base = `/api/v1/claude/sessions/${encodeURIComponent(this.id)}`
      const [session, logs] = await Promise.all([
        api<Session>(base),
        api<{ logs: LogEntry[] }>(`${base}/logs?limit=1000`),
      ])
      if (this.closed) return
      this.session.value = session
      this.transcript.applyAll(logs.logs)
      markSeen(this.id, this.transcript.lastSeq)
      void this.refreshPeople()
      void this.refreshFiles()
      // `since` = the last seq of the page just read: the server replays what came after it, then goes live
      const sub = realtime().subscribe(`session:${this.id}`, (m) => this.receive(m), {
        since: this.transcript.lastSeq,
        onError: (err) => this.subscriptionFailed(err),
        onGap: () => (this.error.value = 'Some older messages are no longer kept on the server'),
      })
      this.unsubscribe = sub
    } catch (err) {
      this.error.value = (err as Error).message
    }
  }

  close(): void {
    this.closed = true
    this.unsubscribe?.()
  }

  private receive(m: ChannelMessage<any>): void {
    if (typeof m.seq === 'number') {
      notifyIfNew(this.id, m.seq, m.type, m.data, this.session.value?.title ?? null)
      this.transcript.apply({ seq: m.seq, type: m.type, data: m.data, timestamp: String(m.timestamp) })
    }
    if (DOC.has(m.type)) this.docListener?.(m)
    if (m.type === 'session_state') {
      this.participants.value = m.data.participants ?? []
      this.transcript.requests.merge(m.data.pending_permissions ?? [])
    } else if (m.type === 'typing') this.typingChanged(m.data)
    else if (PRESENCE.has(m.type)) {
      if (m.type === 'participant_left') this.typingChanged({ ...m.data, state: 'stop' })
      // my own role changed (or I was removed but keep a workspace role): the rights follow without a reload
      if (m.type !== 'participant_joined' && m.data?.user_id === me.value?.id) void this.refreshSession()
      void this.refreshPeople()
    } else if (m.type.startsWith('file_')) void this.refreshFiles()
  }

  /** The server ends the subscription when access is revoked (`unsubscribed`); anything else is an ordinary error. */
  private subscriptionFailed(err: Error & { code?: string }): void {
    if (err.code === 'UNSUBSCRIBED') this.removed.value = true
    else this.error.value = err.message
  }

  private async refreshSession(): Promise<void> {
    try {
      this.session.value = await api<Session>(`/api/v1/claude/sessions/${encodeURIComponent(this.id)}`)
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.removed.value = true
    }
  }

  async refreshPeople(): Promise<void> {
    const r = await api<{ participants: Participant[] }>(
      `/api/v1/claude/sessions/${encodeURIComponent(this.id)}/participants`,
    ).catch(() => null)
    if (r) this.participants.value = r.participants
  }

  private typingChanged(d: { username?: string; state?: string }): void {
    if (!d.username) return
    const others = this.typing.value.filter((u) => u !== d.username)
    this.typing.value = d.state === 'start' ? [...others, d.username] : others
  }

  /** Tells the others this user is typing (start) or stopped; the SDK drops it while the socket is down. */
  signalTyping(state: 'start' | 'stop'): void {
    realtime().send('typing', { data: { session_id: this.id, state } })
  }

  /** The owner's role change or removal; the list follows from the role_changed / participant_removed message. */
  async manage(userId: string, role: string | null): Promise<void> {
    this.peopleError.value = null
    const path = `/api/v1/claude/sessions/${encodeURIComponent(this.id)}/participants/${encodeURIComponent(userId)}`
    try {
      await api(path, role ? { method: 'PATCH', body: { role } } : { method: 'DELETE' })
    } catch (err) {
      this.peopleError.value = (err as Error).message
    }
    await this.refreshPeople()
  }

  async refreshFiles(): Promise<void> {
    const r = await api<{ files: FileView[] }>(`/api/v1/files?session_id=${encodeURIComponent(this.id)}`).catch(
      () => null,
    )
    if (r) this.files.value = r.files
  }

  fileAdded(f: FileView): void {
    if (!this.files.value.some((x) => x.file_id === f.file_id)) this.files.value = [f, ...this.files.value]
  }

  attach(f: FileView): void {
    if (!this.attached.value.some((x) => x.file_id === f.file_id)) this.attached.value = [...this.attached.value, f]
  }

  detach(id: string): void {
    this.attached.value = this.attached.value.filter((f) => f.file_id !== id)
  }

  async send(prompt: string, options: RunOptions = {}): Promise<void> {
    const s = this.session.value
    if (!s) return
    const file_ids = this.attached.value.map((f) => f.file_id)
    await api<ExecuteResponse>('/api/v1/claude/execute', {
      body: {
        workspace_id: s.workspace_id,
        session_id: s.id,
        prompt,
        ...options,
        ...(file_ids.length ? { file_ids } : {}),
      },
    })
    this.attached.value = []
  }

  /** First valid answer wins on the server; a refusal is kept to be shown where the banner was. */
  async answer(request_id: string, body: PermissionAnswer): Promise<void> {
    askForNotificationsOnce()
    this.answerError.value = null
    try {
      await realtime().request('permission_response', { data: { request_id, ...body } })
    } catch (err) {
      this.answerError.value = (err as Error).message
    }
  }

  /** Stop ends the whole run (interrupt, then SIGTERM, then SIGKILL on the server); its final status says so. */
  async stop(): Promise<void> {
    const id = this.transcript.status.value?.execution_id
    if (!id) return
    try {
      await api(`/api/v1/claude/executions/${encodeURIComponent(id)}/cancel`, { method: 'POST' })
    } catch (err) {
      this.error.value = (err as Error).message
    }
  }
}
