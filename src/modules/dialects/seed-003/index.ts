// Seed 003 (CC-Anywhere): `{type, payload}` frames, auth:success, task:update/task:log/task:completed, heartbeats.
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Config } from '../../../config/schema.ts'
import type { Clock } from '../../../core/clock.ts'
import type { Dialect, DialectIO } from '../../realtime/dialect.ts'
import { CloseCode, type ServerEnvelope } from '../../realtime/model.ts'
import { isRec, OwnRequests, writeFrames } from '../shared.ts'
import { Seed003ClientFrame, type Seed003ServerFrame } from './model.ts'
import { TaskRenderer } from './render.ts'

export interface Seed003Deps {
  clock: Clock
  config: Pick<Config, 'wsPingInterval' | 'wsHeartbeatTimeout'>
}

const frameCheck = TypeCompiler.Compile(Seed003ClientFrame)
const TASK = 'task:'
/** What each request this socket handed to cchub was, so its one reply is rendered the seed's way. */
type Kind = 'auth' | 'subscribe' | 'unsubscribe' | 'ping' | 'heartbeat' | 'other'
interface Pending {
  kind: Kind
  taskId?: string
}

/**
 * Claims a socket whose first frame is `{"type":"auth","payload":{…}}` (or a `ping` in that shape: cchub's own clients
 * send `data`), or that offers the subprotocol `cchub.seed-003`.
 */
export function seed003Dialect(deps: Seed003Deps): Dialect {
  return {
    name: 'seed-003',
    claimsFirstFrame: (f) =>
      frameCheck.Check(f) && (f.type === 'auth' || f.type === 'ping') && 'payload' in f && !('data' in f),
    open: (io) => new Seed003Connection(io, deps),
  }
}

class Seed003Connection {
  private readonly pending = new OwnRequests<Pending>('seed-003')
  private readonly tasks = new TaskRenderer()
  private lastSeen: number
  private readonly stopHeartbeat: () => void

  constructor(
    private readonly io: DialectIO,
    private readonly deps: Seed003Deps,
  ) {
    this.lastSeen = deps.clock.now()
    // CC-Anywhere's server closes a client it has not heard from for the heartbeat timeout; its client answers a
    // server `heartbeat` with one, so an idle but healthy browser stays connected
    this.stopHeartbeat = deps.clock.every(deps.config.wsPingInterval * 1000, () => this.beat())
  }

  inbound(frame: unknown): void {
    this.lastSeen = this.deps.clock.now()
    // anything that is not a seed frame goes to cchub as it is: its error (and the invalid-message limit) applies
    if (!frameCheck.Check(frame)) return this.io.dispatch(frame as Record<string, unknown>)
    const payload = isRec(frame.payload) ? frame.payload : {}
    const taskId = typeof payload.taskId === 'string' ? payload.taskId : undefined
    switch (frame.type) {
      case 'auth':
        return this.ask('auth', { type: 'auth', data: payload })
      case 'subscribe':
        // since 0: the task's whole history first, so nothing between starting it and subscribing is lost
        return this.ask('subscribe', { type: 'subscribe', data: { taskId: payload.taskId, since: 0 } }, taskId)
      case 'unsubscribe':
        return this.ask('unsubscribe', { type: 'unsubscribe', data: { taskId: payload.taskId } }, taskId)
      case 'ping':
        return this.ask('ping', { type: 'ping', data: frame.payload })
      case 'heartbeat':
        // answered by nothing, but through cchub's ping so the rate limit and the idle clock count it
        return this.ask('heartbeat', { type: 'ping' })
      default:
        return this.ask('other', { type: frame.type, data: frame.payload })
    }
  }

  outbound(env: ServerEnvelope): boolean {
    const asked = this.pending.take(env)
    if (asked) return this.reply(asked, env)
    if (env.channel?.startsWith(TASK) && env.seq !== undefined)
      return this.write(...this.tasks.render(env.channel.slice(TASK.length), env))
    const data = isRec(env.data) ? env.data : {}
    switch (env.type) {
      case 'connected':
        return this.write({
          type: 'connection',
          payload: { message: 'Connected to WebSocket server. Please authenticate.' },
        })
      case 'error':
        return this.write({ type: 'error', payload: errorPayload(data) })
      case 'unsubscribed':
        return this.write({
          type: 'error',
          payload: { code: 'FORBIDDEN', message: `Your access to ${String(env.channel)} was revoked` },
        })
      default:
        return true // nothing else concerns a CC-Anywhere client
    }
  }

  closed(): void {
    this.stopHeartbeat()
  }

  private ask(kind: Kind, message: Record<string, unknown>, taskId?: string): void {
    this.io.dispatch({ ...message, id: this.pending.track({ kind, taskId }) })
  }

  private reply(asked: Pending, env: ServerEnvelope): boolean {
    const data = isRec(env.data) ? env.data : {}
    if (env.type === 'error')
      return this.write({ type: asked.kind === 'auth' ? 'auth:error' : 'error', payload: errorPayload(data) })
    switch (asked.kind) {
      case 'auth':
        return this.write({ type: 'auth:success', payload: { message: 'Authenticated successfully' } })
      case 'subscribe':
      case 'unsubscribe':
        return this.write({ type: `${asked.kind}:success`, payload: { taskId: asked.taskId ?? '' } })
      case 'ping':
        return this.write({ type: 'pong', payload: { timestamp: Number(data.server_time ?? this.deps.clock.now()) } })
      case 'heartbeat':
        return true
      default:
        return this.write({ type: 'success', payload: env.data })
    }
  }

  private beat(): void {
    const timeoutMs = this.deps.config.wsHeartbeatTimeout * 1000
    if (this.deps.clock.now() - this.lastSeen >= timeoutMs) {
      this.stopHeartbeat()
      this.io.close(CloseCode.IDLE, 'heartbeat timeout')
    } else this.write({ type: 'heartbeat', payload: { timestamp: this.deps.clock.now() } })
  }

  private write(...frames: Seed003ServerFrame[]): boolean {
    return writeFrames(this.io, frames)
  }
}

function errorPayload(d: Record<string, unknown>) {
  return {
    code: String(d.code ?? 'INTERNAL_ERROR'),
    message: String(d.message ?? 'Error'),
    ...(d.details === undefined ? {} : { details: d.details }),
  }
}
