// Turns each incoming frame into exactly one reply: validation, rate limits, auth gate and the handler registry.
import type { Static, TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { toAppError } from '../../core/http.ts'
import { checkJsonDepth } from '../../core/json-depth.ts'
import type { Logger } from '../../core/logger.ts'
import type { AuthService } from '../auth/service.ts'
import type { Connection } from './connection.ts'
import { reply } from './envelope.ts'
import type { Gateway } from './gateway.ts'
import { ClientEnvelope, CloseCode } from './model.ts'
import type { GatewayStats } from './stats.ts'

/** What every handler gets besides its message: the socket, the gateway (subscriptions, sends) and auth. */
export interface MessageContext {
  conn: Connection
  gateway: Gateway
  auth: AuthService
}
export type MessageHandler<M = unknown> = (msg: M, ctx: MessageContext) => Promise<unknown> | unknown
interface Entry {
  check: TypeCheck<TSchema>
  handle: MessageHandler
  public: boolean
  unmetered: boolean
}

export interface DispatcherDeps {
  gateway: Gateway
  auth: AuthService
  stats: GatewayStats
  logger: Logger
  clock: Clock
  /** CCHUB_WS_RATE_BURST: twice as many rate-limited messages within 10 s close the socket. */
  rateBurst: number
}

const envelopeCheck = TypeCompiler.Compile(ClientEnvelope)
const INVALID_MAX = 20
const INVALID_WINDOW_MS = 60_000

export class Dispatcher {
  private readonly handlers = new Map<string, Entry>()

  private readonly ctx: Omit<MessageContext, 'conn'>

  constructor(private readonly deps: DispatcherDeps) {
    this.ctx = { gateway: deps.gateway, auth: deps.auth }
  }

  /**
   * Registers the handler for one message type; `public` handlers run before authentication (auth, ping);
   * `unmetered` ones skip the per-connection message rate limit because their own size limits bound them (upload
   * chunks).
   */
  on<S extends TSchema>(
    type: string,
    schema: S,
    handle: MessageHandler<Static<S>>,
    opts: { public?: boolean; unmetered?: boolean } = {},
  ): this {
    // the compiled check runs before the handler, so the message it gets is a Static<S>
    const entry = {
      check: TypeCompiler.Compile(schema),
      handle: handle as MessageHandler,
      public: opts.public ?? false,
      unmetered: opts.unmetered ?? false,
    }
    this.handlers.set(type, entry)
    return this
  }

  /**
   * Answers `message` with `error` as if its handler had thrown it, metered and counted like any other message: a
   * dialect's own checks get the rate limit and the invalid-message strikes too.
   */
  refuse(conn: Connection, message: unknown, error: AppError): void {
    this.receive(conn, message, error)
  }

  /** Entry point for every frame; never throws, never leaves a request with an id unanswered. */
  receive(conn: Connection, message: unknown, refused?: AppError): void {
    conn.lastSeen = this.deps.clock.now()
    this.deps.stats.received++
    const type = message && typeof message === 'object' ? (message as { type?: unknown }).type : undefined
    const metered = !(typeof type === 'string' && conn.principal && this.handlers.get(type)?.unmetered)
    if (metered && !conn.bucket.take()) {
      this.deps.stats.rateLimited++
      conn.send(reply('error', idOf(message), { code: 'RATE_LIMITED', message: 'Too many messages; slow down' }))
      if (conn.strike('rate', this.deps.rateBurst * 2, 10_000)) conn.close(CloseCode.POLICY, 'rate limit exceeded')
      return
    }
    conn.queue = conn.queue.then(() => (refused ? this.fail(conn, idOf(message), refused) : this.handle(conn, message)))
  }

  private async handle(conn: Connection, raw: unknown): Promise<void> {
    if (conn.closed) return
    const id = idOf(raw)
    try {
      checkJsonDepth(raw, 'message')
      const msg = normalise(raw)
      const entry = this.handlers.get(msg.type)
      if (!entry)
        throw new AppError('UNKNOWN_MESSAGE_TYPE', 400, `Unknown message type ${JSON.stringify(msg.type).slice(0, 80)}`)
      if (!entry.public && !conn.principal)
        throw new AppError('UNAUTHORIZED', 401, 'Authenticate first: send {"type":"auth","data":{"token":"…"}}')
      const type = msg.type
      if (!entry.check.Check(msg)) {
        const first = entry.check.Errors(msg).First()
        throw new AppError(
          'VALIDATION_FAILED',
          422,
          `Invalid ${type} message: ${first ? `${first.path || '/'} ${first.message}` : 'bad shape'}`,
        )
      }
      if (!entry.public && !(await this.stillHolds(conn, id))) return
      const data = await entry.handle(msg, { conn, ...this.ctx })
      if (data !== undefined && !conn.closed) conn.send(reply('success', msg.id, data))
    } catch (err) {
      this.fail(conn, id, err)
    }
  }

  /** The one error reply: logged when it is the server's fault, counted (and closing on abuse) when the client's. */
  private fail(conn: Connection, id: string | number | undefined, err: unknown): void {
    const e = toAppError('UNKNOWN', err)
    if (e.status >= 500)
      this.deps.logger.error('ws handler failed', {
        connection_id: conn.id,
        error: String((err as Error)?.stack ?? err),
      })
    if (e.status === 400 || e.status === 422) {
      this.deps.stats.invalid++
      if (conn.strike('invalid', INVALID_MAX, INVALID_WINDOW_MS)) {
        conn.send(reply('error', id, { code: e.code, message: e.message }))
        conn.close(CloseCode.POLICY, 'too many invalid messages')
        return
      }
    }
    conn.send(reply('error', id, { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) }))
  }

  /**
   * Every authenticated command runs as the user is stored now, not as at connect time: a demoted admin's socket
   * loses admin rights at once. A socket whose user is gone or disabled, or whose token was revoked, gets the error
   * and is closed (the signals close it too; this covers a message queued before they fired).
   */
  private async stillHolds(conn: Connection, id: string | number | undefined): Promise<boolean> {
    try {
      conn.principal!.user = await this.deps.auth.current(conn.principal!)
      return true
    } catch (e) {
      if (!(e instanceof AppError)) throw e // the store failed: an ordinary error reply, the socket stays
      conn.send(reply('error', id, { code: e.code, message: e.message }))
      if (e.code === 'TOKEN_REVOKED') conn.close(CloseCode.TOKEN_REVOKED, 'token revoked')
      else conn.close(CloseCode.USER_DISABLED, 'user disabled or deleted')
      return false
    }
  }
}

function idOf(raw: unknown): string | number | undefined {
  const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined
  return (typeof id === 'string' && id.length <= 128) || typeof id === 'number' ? id : undefined
}

/**
 * Accepts `payload` as `data` (docs/protocol.md, seed 003 style clients); anything not a JSON object envelope is a
 * clear error.
 */
function normalise(raw: unknown): ClientEnvelope & Record<string, unknown> {
  if (typeof raw === 'string' || raw instanceof Uint8Array || raw instanceof ArrayBuffer) {
    throw new AppError('INVALID_JSON', 400, 'Frames must be JSON objects like {"type":"ping"}')
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new AppError('INVALID_JSON', 400, 'Frames must be JSON objects like {"type":"ping"}')
  const msg = { ...(raw as Record<string, unknown>) }
  if (msg.data === undefined && msg.payload !== undefined) msg.data = msg.payload
  delete msg.payload
  if (!envelopeCheck.Check(msg))
    throw new AppError('VALIDATION_FAILED', 422, 'Every message needs a string "type" (and optional id, channel, data)')
  return msg as ClientEnvelope & Record<string, unknown>
}
