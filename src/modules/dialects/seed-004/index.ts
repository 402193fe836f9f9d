// Seed 004 (AgenticGoKit web UI): session_create, session_join, chat_message, typing, ping in; seed frames out.
import { AppError } from '../../../core/errors.ts'
import type { Dialect, DialectConnection, DialectIO } from '../../realtime/dialect.ts'
import type { ServerEnvelope } from '../../realtime/model.ts'
import {
  chatMessageData,
  clientFrame,
  type ClientFrame,
  isSeed004Frame,
  SEED_TYPES,
  type ServerFrame,
  sessionCreateData,
} from './model.ts'
import { AGENT_NAME, SessionRenderer, seedFrame } from './render.ts'
import { OwnRequests, writeFrames } from '../shared.ts'

type Data = Record<string, unknown>
const MAX_HELD = 10
type Request = { kind: 'create' | 'join' | 'chat' | 'ping' | 'refused'; sessionId?: string; timestamp?: string }

export const seed004: Dialect = {
  name: 'seed-004',
  claimsFirstFrame: isSeed004Frame,
  open: (io) => new Seed004Connection(io),
}

/**
 * One seed-004 socket. Its requests go to cchub's dispatcher with ids of its own (the seed has none), so each reply
 * is rendered for the request it answers; a chat_message in a session the socket has not joined joins it first (the
 * output arrives on the session channel) and waits for the join to learn the session's workspace.
 */
class Seed004Connection implements DialectConnection {
  private readonly requests = new OwnRequests<Request>('seed-004')
  /** The workspace of each session this socket joined: a chat_message runs there. */
  private readonly workspaces = new Map<string, string>()
  /** Prompts waiting for their session's join. */
  private readonly held = new Map<string, string[]>()
  private readonly renderer = new SessionRenderer()

  constructor(private readonly io: DialectIO) {}

  inbound(raw: unknown): void {
    const type = (raw as { type?: unknown } | null)?.type
    // anything else is cchub's own protocol (auth, subscribe, …), answered and checked by cchub
    if (typeof type !== 'string' || !SEED_TYPES.has(type)) return this.io.dispatch(raw as Data)
    if (!clientFrame.Check(raw)) return this.fail('A message is {"type","session_id"?,"timestamp"?,"data"?: {…}}')
    const sessionId = raw.session_id ?? str(raw.data?.session_id)
    if (type === 'session_create') return this.create(raw)
    if (type === 'ping') return this.request({ type: 'ping' }, { kind: 'ping', timestamp: raw.timestamp })
    if (!sessionId) return this.fail(`${type} needs a session_id`)
    if (type === 'session_join') return this.join(sessionId)
    if (type === 'chat_message') return this.chat(raw, sessionId)
    const typing = raw.data?.is_typing ?? raw.data?.typing ?? true
    this.io.dispatch({ type: 'typing', session_id: sessionId, data: { state: typing === false ? 'stop' : 'start' } })
  }

  outbound(env: ServerEnvelope): boolean {
    const req = this.requests.take(env)
    if (req) return this.answer(req, env)
    const sessionId = env.channel?.startsWith('session:') ? env.channel.slice('session:'.length) : undefined
    if (sessionId && env.type === 'session_state') this.joined(sessionId, env.data as Data)
    if (sessionId) return this.write(...this.renderer.render(sessionId, env))
    if (env.type === 'error') return this.write(seedFrame('error', env.data as Data))
    return this.write(seedFrame('system_message', { event: env.type, ...(env.data as Data) }, undefined, env.timestamp))
  }

  private create(raw: ClientFrame): void {
    const data = raw.data ?? {}
    if (!sessionCreateData.Check(data)) return this.fail('session_create data: {workspace_id?: string, title?: string}')
    const { workspace_id, title } = data
    this.request({ type: 'command', data: { action: 'create_session', workspace_id, title } }, { kind: 'create' })
  }

  private join(sessionId: string): void {
    this.request({ type: 'session_join', session_id: sessionId }, { kind: 'join', sessionId })
  }

  private chat(raw: ClientFrame, sessionId: string): void {
    if (!chatMessageData.Check(raw.data))
      return this.fail('chat_message data: {content: non-empty string, message_type?}', sessionId)
    const workspace = this.workspaces.get(sessionId)
    if (workspace) return this.execute(sessionId, workspace, raw.data.content)
    const waiting = this.held.get(sessionId)
    // held prompts are not metered yet: a few bridge the join, a flood is refused (and metered) instead
    if (waiting && waiting.length >= MAX_HELD)
      return this.fail('Too many prompts before the session was joined', sessionId)
    if (waiting) return void waiting.push(raw.data.content)
    this.held.set(sessionId, [raw.data.content])
    this.join(sessionId)
  }

  private execute(sessionId: string, workspaceId: string, prompt: string): void {
    const data = { action: 'execute', workspace_id: workspaceId, session_id: sessionId, prompt }
    this.request({ type: 'command', data }, { kind: 'chat', sessionId })
  }

  /** The join's session_state: the session's workspace is known, so held prompts can run. */
  private joined(sessionId: string, state: Data): void {
    const workspace = str((state.session as Data | undefined)?.workspace_id)
    if (!workspace) return
    this.workspaces.set(sessionId, workspace)
    const waiting = this.held.get(sessionId) ?? []
    this.held.delete(sessionId)
    for (const prompt of waiting) this.execute(sessionId, workspace, prompt)
  }

  private answer(req: Request, env: ServerEnvelope): boolean {
    const data = (env.data ?? {}) as Data
    if (env.type === 'error') {
      if (req.kind === 'join' && req.sessionId) this.held.delete(req.sessionId)
      return this.write(seedFrame('error', data, req.sessionId))
    }
    if (req.kind === 'create') {
      const session = data.session as { id: string; workspace_id: string }
      this.workspaces.set(session.id, session.workspace_id)
      this.join(session.id) // its session_state is the seed's session_status with the new session
      return true
    }
    if (req.kind === 'join') return true // the session_state before it was the answer
    if (req.kind === 'ping')
      return this.write(seedFrame('pong', { timestamp: req.timestamp ?? null, server_time: data.server_time }))
    return this.write(
      seedFrame(
        'agent_progress',
        {
          agent_name: AGENT_NAME,
          execution_id: data.execution_id,
          progress_type: 'accepted',
          status: data.status,
          queue_position: data.queue_position,
        },
        req.sessionId,
      ),
    )
  }

  private request(message: Data, req: Request): void {
    this.io.dispatch({ ...message, id: this.track(req) })
  }

  /** A seed message that fails the seed's shape: refused through cchub, whose limits count it like any other. */
  private fail(message: string, sessionId?: string): void {
    this.io.refuse({ id: this.track({ kind: 'refused', sessionId }) }, new AppError('VALIDATION_FAILED', 422, message))
  }

  private track(req: Request): string {
    return this.requests.track(req)
  }

  private write(...frames: ServerFrame[]): boolean {
    return writeFrames(this.io, frames)
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined
}
