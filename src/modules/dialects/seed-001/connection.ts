// One seed-001 socket: its messages become cchub commands, cchub's frames become the seed's (render.ts, responses.ts).
import type { Static } from '@sinclair/typebox'
import { AppError } from '../../../core/errors.ts'
import { toAppError } from '../../../core/http.ts'
import type { UserRecord } from '../../../store/records.ts'
import type { DialectConnection, DialectIO } from '../../realtime/dialect.ts'
import type { ServerEnvelope } from '../../realtime/model.ts'
import type { SessionAccess } from '../../sessions/access.ts'
import type { WorkspaceService } from '../../workspaces/service.ts'
import { checks, invalidFrame, type Seed001Frame, type SessionCreatedData, shapeError } from './model.ts'
import { frame, seedFile, seedShared, seedState } from './render.ts'
import { ClaudeResponses } from './responses.ts'
import { OwnRequests } from '../shared.ts'

type Data = Record<string, any>
type Reply = (env: ServerEnvelope) => void

export interface Seed001Deps {
  workspaces: Pick<WorkspaceService, 'defaultFor'>
  access: Pick<SessionAccess, 'require'>
  /** The seed's per-user limiter (shared by the user's sockets): false when this message is over the limit. */
  allow(userId: string | null): boolean
  /** The socket closed (its user's limiter may go). */
  release(): void
}

/** The server-side upload id of a single-message file_upload. */
const SINGLE = 'seed001-'

export class Seed001Connection implements DialectConnection {
  private queue: Promise<void> = Promise.resolve()
  /** The requests the dialect makes itself, each with what to do with its replies. */
  private readonly requests = new OwnRequests<Reply>('seed001')
  private readonly joined = new Set<string>()
  private readonly responses: ClaudeResponses

  constructor(
    private readonly io: DialectIO,
    private readonly deps: Seed001Deps,
  ) {
    this.responses = new ClaudeResponses((f) => io.write(f))
  }

  inbound(raw: unknown): void {
    const id = (raw as { id?: unknown } | null)?.id
    const clientId = typeof id === 'string' || typeof id === 'number' ? id : undefined
    if (!checks.frame.Check(raw)) return this.fail(clientId, invalidFrame())
    const type = raw.type
    // chunks are bounded by their size limits, as in cchub's protocol (the seed client sends 100 a second)
    if (type !== 'upload_chunk' && !this.deps.allow(this.io.principal()?.user.id ?? null))
      return this.fail(
        clientId,
        new AppError('RATE_LIMITED', 429, 'Too many messages from your user (all your sockets together); slow down'),
      )
    this.queue = this.queue
      .then(() => this.translate(raw))
      .catch((err) => this.fail(clientId, toAppError('INTERNAL_ERROR', err)))
  }

  outbound(env: ServerEnvelope): boolean {
    this.track(env)
    const own = this.requests.of(env)
    if (own) {
      // an upload chunk's progress comes before its one final reply
      if (env.type === 'success' || env.type === 'error' || env.type === 'file_uploaded') this.requests.take(env)
      own(env)
      return true
    }
    const d = (env.data ?? {}) as Data
    const session = env.channel?.startsWith('session:') ? env.channel.slice(8) : undefined
    if (this.responses.handle(env.type, { session_id: session, ...d }, env.timestamp)) return true
    return this.render(env, d)
  }

  private render(env: ServerEnvelope, d: Data): boolean {
    const me = this.io.principal()?.user.id
    const at = env.timestamp
    switch (env.type) {
      case 'log':
        return true
      case 'code_change':
        // the seed broadcasts a change to everyone but its author, one change at a time
        if (d.user_id === me) return true
        for (const change of d.changes ?? [])
          this.io.write(
            frame('code_changed', { session_id: d.session_id, user_id: d.user_id, version: d.version, change }, at),
          )
        return true
      case 'cursor_update':
        return this.io.write(frame('cursor_moved', d, at))
      case 'session_state':
        return this.io.write(frame('session_state', seedState(d), at))
      case 'file_uploaded':
        return this.io.write(frame('file_uploaded', seedFile(d), at, env.id))
      case 'file_shared':
        return this.io.write(frame('file_shared', seedShared(d), at))
      case 'upload_progress':
        if (String(d.client_file_id).startsWith(SINGLE)) return true
        return this.io.write(
          frame('upload_progress', { ...d, file_id: d.client_file_id ?? d.file_id, progress: d.percent }, at, env.id),
        )
      default:
        return this.io.write(frame(env.type, d, at, env.id))
    }
  }

  closed(): void {
    this.deps.release()
  }

  /** Which sessions this socket is in (joined by the client or by the dialect), so claude_message joins only once. */
  private track(env: ServerEnvelope): void {
    const d = (env.data ?? {}) as Data
    const sessionOf = (ch: unknown) => (typeof ch === 'string' && ch.startsWith('session:') ? ch.slice(8) : null)
    if (env.type === 'unsubscribed') this.joined.delete(sessionOf(env.channel) ?? '')
    if (env.type !== 'success') return
    if (d.action === 'leave_collaboration' || d.action === 'session_leave') this.joined.delete(d.session_id)
    else if (d.action === 'unsubscribe') this.joined.delete(sessionOf(d.channel) ?? '')
    else if (sessionOf(d.channel)) this.joined.add(sessionOf(d.channel)!)
  }

  private async translate(f: Seed001Frame): Promise<void> {
    const data = (f.data ?? {}) as Data
    await this.io.handled() // an auth sent just before counts
    const user = this.io.principal()?.user
    if (!user) return this.io.dispatch(f) // auth, ping; anything else gets cchub's UNAUTHORIZED
    if (f.type === 'claude_message') return this.claude(user, f, data)
    if (f.type === 'file_upload') return this.upload(f, data)
    if (f.type === 'invite_user' || f.type === 'remove_user') {
      if (!checks.target.Check(data)) throw shapeError(f.type, checks.target, data)
      const { target_user_id, ...rest } = data
      return this.io.dispatch({ ...f, data: { ...rest, user_id: target_user_id } })
    }
    this.io.dispatch(f)
  }

  /** Runs Claude in the named session (joined first, so its output reaches this socket) or in a new one. */
  private async claude(user: UserRecord, f: Seed001Frame, data: Data): Promise<void> {
    if (!checks.claude.Check(data)) throw shapeError('claude_message', checks.claude, data)
    const sessionId = data.session_id ?? null
    const workspaceId = sessionId
      ? (await this.deps.access.require(user, sessionId, 'collaborator')).session.workspace_id
      : (await this.deps.workspaces.defaultFor(user)).id
    if (sessionId) this.join(sessionId)
    const execute = { action: 'execute', workspace_id: workspaceId, prompt: data.content }
    this.request('command', { ...execute, ...(sessionId ? { session_id: sessionId } : {}) }, (env) => {
      if (env.type !== 'success') return this.relayError(env, f.id)
      const r = env.data as { execution_id: string; session_id: string }
      if (data.stream !== true) this.responses.unstreamed(r.execution_id)
      if (sessionId) return
      const created: Static<typeof SessionCreatedData> = { session_id: r.session_id, message_id: r.execution_id }
      this.io.write(frame('session_created', created))
      this.join(r.session_id, 0)
    })
  }

  /** A whole file in one message: an upload of one chunk under an id of the dialect's own. */
  private upload(f: Seed001Frame, data: Data): void {
    if (!checks.upload.Check(data)) throw shapeError('file_upload', checks.upload, data)
    // without a session, the file goes to the user's default workspace (FilesService.target)
    const target = data.session_id ? { session_id: data.session_id } : {}
    const fileId = `${SINGLE}${crypto.randomUUID()}`
    let failed = false
    const { filename, size, content_type } = data
    this.request(
      'upload_start',
      { file_id: fileId, filename, size, content_type, total_chunks: 1, ...target },
      (env) => {
        if (env.type === 'error') (failed = true), this.relayError(env, f.id)
      },
    )
    this.request('upload_chunk', { file_id: fileId, chunk_index: 0, data: data.data, is_last: true }, (env) => {
      if (env.type === 'file_uploaded') {
        const { client_file_id: _, ...file } = env.data as Data
        this.io.write(frame('file_uploaded', seedFile(file), env.timestamp, f.id))
      } else if (env.type === 'error' && !failed) this.relayError(env, f.id)
    })
  }

  private join(sessionId: string, since?: number): void {
    if (this.joined.has(sessionId)) return
    this.joined.add(sessionId)
    this.request('session_join', { session_id: sessionId, ...(since === undefined ? {} : { since }) }, (env) => {
      if (env.type === 'error') this.joined.delete(sessionId)
    })
  }

  /** A cchub message of the dialect's own, whose replies go to `onReply` instead of the client. */
  private request(type: string, data: Data, onReply: Reply): void {
    this.io.dispatch({ type, id: this.requests.track(onReply), data })
  }

  private relayError(env: ServerEnvelope, clientId: string | number | undefined): void {
    this.io.write(frame('error', env.data, env.timestamp, clientId))
  }

  private fail(clientId: string | number | undefined, e: AppError): void {
    const data = { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) }
    this.io.write(frame('error', data, undefined, clientId))
  }
}
