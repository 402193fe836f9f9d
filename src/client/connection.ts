// The logical connection across sockets: its state, the auth handshake, liveness, and reconnecting or giving up.
import { CLIENT_ABANDONED, CloseCode, CREDENTIAL_CLOSE_CODES, CREDENTIAL_ERROR_CODES } from './close-codes.ts'
import type { Emitter } from './emitter.ts'
import { CchubError } from './errors.ts'
import { parseFrame } from './frames.ts'
import { Heartbeat } from './heartbeat.ts'
import { OpenWaiters } from './open-waiters.ts'
import type { Outbox } from './outbox.ts'
import { Reconnector } from './reconnector.ts'
import { Transport } from './transport.ts'
import type {
  AuthReply,
  CchubClientOptions,
  ClientEvents,
  ConnectedData,
  ConnectionState,
  PublicUser,
  ServerMessage,
  WebSocketConstructor,
} from './types.ts'

/** The client's public fields about the current socket, which the connection keeps up to date. */
export interface ConnectionInfo {
  connectionId: string | null
  user: PublicUser | null
  lastRttMs: number | null
}

/** What the client does on top of the connection. */
export interface ConnectionHooks {
  /** Every valid frame of the current socket except `connected`, before the 'message' event. */
  frame(msg: ServerMessage): void
  /** Just authenticated and 'open'; runs before the callers waiting for the connection resume. */
  opened(): void
  /** The socket is gone and the requests that waited on it are rejected. */
  lost(): void
}

export interface ConnectionDeps {
  opts: CchubClientOptions
  WS: WebSocketConstructor
  events: Emitter<ClientEvents>
  outbox: Outbox
  info: ConnectionInfo
  hooks: ConnectionHooks
}

export class Connection {
  private readonly events: Emitter<ClientEvents>
  private readonly outbox: Outbox
  private readonly info: ConnectionInfo
  private readonly hooks: ConnectionHooks
  private readonly transport: Transport
  private readonly reconnector: Reconnector
  private readonly heartbeat: Heartbeat
  private readonly waiters = new OpenWaiters()
  private current: ConnectionState = 'closed'
  private stopped = true
  private authenticated = false
  private authFailure: CchubError | null = null

  constructor({ opts, WS, events, outbox, info, hooks }: ConnectionDeps) {
    this.events = events
    this.outbox = outbox
    this.info = info
    this.hooks = hooks
    this.transport = new Transport(opts, WS, {
      frame: (ws, raw) => this.onFrame(ws, raw),
      closed: (code, reason) => this.onClosed(code, reason),
      failed: (err, reason) => this.onFailed(err, reason),
    })
    this.reconnector = new Reconnector(opts)
    this.heartbeat = new Heartbeat(
      opts.pingIntervalMs ?? 25_000,
      opts.pongTimeoutMs ?? 10_000,
      () => this.ping(),
      () => this.transport.abandon('pong timeout'),
    )
  }

  get state(): ConnectionState {
    return this.current
  }

  get socket(): WebSocket | null {
    return this.transport.socket
  }

  get reconnects(): number {
    return this.reconnector.reconnects
  }

  isOpen(): boolean {
    return this.authenticated && this.transport.socket !== null
  }

  /** Starts connecting, and reconnecting after every loss, unless already started. */
  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.reconnector.reset()
    this.setState('connecting')
    this.attempt()
  }

  /** Stops for good: no more reconnects, waiting callers reject with CLOSED; resolves once the socket is closed. */
  stop(): Promise<void> {
    this.stopped = true
    this.reconnector.cancel()
    const closed = this.transport.close()
    if (!closed) this.setState('closed')
    this.waiters.rejectAll(new CchubError('CLOSED', 'The client was closed'))
    return closed ?? Promise.resolve()
  }

  /** Resolves when authenticated; timeoutMs 0 waits as long as the client keeps trying. */
  whenOpen(timeoutMs: number): Promise<void> {
    if (this.isOpen()) return Promise.resolve()
    if (this.stopped)
      return Promise.reject(new CchubError('CLOSED', 'The client is not connected: call connect() first'))
    return this.waiters.wait(timeoutMs)
  }

  private attempt(): void {
    this.authFailure = null
    void this.transport.attempt()
  }

  private onFrame(ws: WebSocket, raw: unknown): void {
    this.heartbeat.alive()
    const msg = parseFrame(raw)
    if (!msg)
      return this.events.emit(
        'error',
        new CchubError('INVALID_FRAME', 'The server sent a frame that is not a JSON envelope'),
      )
    if (msg.type === 'connected') this.onConnected(ws, msg.data as ConnectedData)
    else this.hooks.frame(msg)
    this.events.emit('message', msg)
  }

  private onConnected(ws: WebSocket, data: ConnectedData): void {
    this.info.connectionId = data.connection_id
    this.events.emit('connected', data)
    if (data.authenticated && data.user) return this.onAuthenticated(ws, data.user)
    this.outbox.request('auth', { data: { token: this.transport.pendingToken } }, 0).then(
      (reply) => this.onAuthenticated(ws, (reply as AuthReply).user),
      (err: CchubError) => this.onAuthRefused(ws, err),
    )
  }

  private onAuthenticated(ws: WebSocket, user: PublicUser): void {
    if (ws !== this.transport.socket) return
    this.transport.handshakeDone()
    this.authenticated = true
    this.info.user = user
    this.reconnector.armStable()
    this.heartbeat.start()
    this.setState('open')
    this.hooks.opened()
    this.waiters.resolveAll()
  }

  private onAuthRefused(ws: WebSocket, err: CchubError): void {
    if (ws !== this.transport.socket) return
    const credentials = CREDENTIAL_ERROR_CODES.has(err.code)
    if (credentials) this.authFailure = err
    this.events.emit('error', err)
    // the server closes a refused socket itself; dropping it now makes the outcome independent of that timing
    this.transport.drop(ws, credentials ? CloseCode.AUTH_FAILED : CLIENT_ABANDONED, err.message)
  }

  private ping(): void {
    const sent = Date.now()
    this.outbox.request('ping', { data: { timestamp: sent } }, 0).then(
      () => (this.info.lastRttMs = Date.now() - sent),
      () => {}, // a lost pong is the heartbeat's business
    )
  }

  private onClosed(code: number, reason: string): void {
    this.authenticated = false
    this.reconnector.disarmStable()
    this.heartbeat.stop()
    this.outbox.reset(() =>
      this.stopped
        ? new CchubError('CLOSED', 'The client was closed')
        : new CchubError('DISCONNECTED', `Connection lost (${code}${reason ? ` ${reason}` : ''}) before the reply`),
    )
    this.hooks.lost()
    this.afterClose(code, reason)
  }

  private onFailed(err: Error, reason: string): void {
    this.events.emit('error', err)
    this.afterClose(CLIENT_ABANDONED, reason)
  }

  /** Decides between reconnecting (with backoff) and giving up, after a socket or an attempt ended. */
  private afterClose(code: number, reason: string): void {
    if (this.stopped) {
      this.setState('closed')
      return this.events.emit('disconnect', { code, reason, willReconnect: false })
    }
    if (this.reconnector.shouldGiveUp(code, this.authFailure !== null)) return this.giveUp(code, reason)
    const delayMs = this.reconnector.nextDelay()
    this.setState('reconnecting')
    this.events.emit('disconnect', { code, reason, willReconnect: true, delayMs })
    // a 'state' or 'disconnect' listener may have called close(): then there is nothing to reconnect
    if (!this.stopped) this.reconnector.schedule(delayMs, () => this.attempt())
  }

  private giveUp(code: number, reason: string): void {
    this.stopped = true
    this.setState('closed')
    this.events.emit('disconnect', { code, reason, willReconnect: false })
    this.waiters.rejectAll(
      this.authFailure ??
        new CchubError(
          CREDENTIAL_CLOSE_CODES.has(code) ? 'AUTH_FAILED' : 'CLOSED',
          `Connection closed (${code} ${reason})`,
        ),
    )
  }

  private setState(next: ConnectionState): void {
    const previous = this.current
    if (previous === next) return
    this.current = next
    this.events.emit('state', next, previous)
  }
}
