// CchubClient: one logical connection to /ws that authenticates, re-subscribes and resumes by seq across reconnects.
import { Backoff } from './backoff.ts'
import { CLIENT_ABANDONED, CloseCode, CREDENTIAL_CLOSE_CODES, CREDENTIAL_ERROR_CODES } from './close-codes.ts'
import { Emitter } from './emitter.ts'
import { CchubError, PERMANENT_CODES } from './errors.ts'
import { Heartbeat } from './heartbeat.ts'
import { PendingRequests } from './pending.ts'
import { ChannelSubscription, type HandlerEntry } from './subscription.ts'
import { SendThrottle } from './throttle.ts'
import type {
  AuthReply, CchubClientOptions, ChannelMessage, ClientEvents, ConnectedData, ConnectionState, MessageHandler, PublicUser,
  ReplyMap, ServerMessage, SubscribeOptions, SubscribeReply, Subscription, WebSocketConstructor,
} from './types.ts'
import { socketUrl } from './url.ts'

const OPEN = 1
const REPLY_TYPES = new Set(['success', 'error', 'pong'])
const CONTROL_TYPES = new Set(['connected', 'success', 'error', 'pong', 'unsubscribed'])

export interface RequestMessage {
  channel?: string
  data?: unknown
}

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
}

export class CchubClient {
  private readonly opts: CchubClientOptions
  private readonly WS: WebSocketConstructor
  private readonly events = new Emitter<ClientEvents>((err, event) => {
    if (event !== 'error') this.reportLater(err)
  })
  private readonly pending = new PendingRequests()
  private readonly subs = new Map<string, ChannelSubscription>()
  private readonly backoff: Backoff
  private readonly throttle: SendThrottle
  private readonly heartbeat: Heartbeat
  private readonly waiters = new Set<Waiter>()
  private ws: WebSocket | null = null
  private current: ConnectionState = 'closed'
  private stopped = true
  private authenticated = false
  /** Bumped by every attempt and by close(), so a late token or socket from an older attempt is ignored. */
  private generation = 0
  private authFailure: CchubError | null = null
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined
  private connectTimer: ReturnType<typeof setTimeout> | undefined
  private stableTimer: ReturnType<typeof setTimeout> | undefined
  private reconnects = 0
  /** Token of the socket being opened, sent in its auth message when it did not authenticate by query. */
  private pendingToken = ''

  /** Id the server gave the current socket (in its logs and /api/v1/ws/stats). */
  connectionId: string | null = null
  user: PublicUser | null = null
  /** Round trip of the last app-level ping, in ms. */
  lastRttMs: number | null = null

  constructor(options: CchubClientOptions) {
    if (!options.token && !options.tokenProvider) throw new TypeError('CchubClient needs a token or a tokenProvider')
    this.opts = options
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (!WS) throw new TypeError('No WebSocket available: pass options.WebSocket')
    this.WS = WS
    this.backoff = new Backoff({ baseMs: options.reconnect?.baseMs ?? 500, maxMs: options.reconnect?.maxMs ?? 30_000 })
    this.throttle = new SendThrottle(options.rateLimit === undefined ? { perSecond: 8, burst: 16 } : options.rateLimit)
    this.heartbeat = new Heartbeat(options.pingIntervalMs ?? 25_000, options.pongTimeoutMs ?? 10_000, () => this.ping(), () => this.abandon('pong timeout'))
  }

  get state(): ConnectionState {
    return this.current
  }

  /** Counters for monitoring; `duplicatesDropped` stays 0 unless the server broke its no-duplicate guarantee. */
  get stats() {
    let duplicatesDropped = 0
    for (const s of this.subs.values()) duplicatesDropped += s.duplicates
    return { reconnects: this.reconnects, duplicatesDropped, subscriptions: this.subs.size }
  }

  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    return this.events.on(event, listener)
  }

  /** Starts connecting (and reconnecting); resolves once authenticated, rejects only if the client gives up. */
  connect(): Promise<void> {
    if (this.stopped) {
      this.stopped = false
      this.backoff.reset()
      this.setState('connecting')
      void this.attempt()
    }
    return this.whenOpen(0)
  }

  /** Stops for good: no more reconnects, waiting requests reject with CLOSED. Subscriptions are kept for a later connect(). */
  close(): Promise<void> {
    this.stopped = true
    this.generation++
    clearTimeout(this.reconnectTimer)
    const ws = this.ws
    const closed = ws && ws.readyState <= OPEN ? onceClosed(ws) : Promise.resolve()
    if (ws) this.drop(ws, 1000, 'client closed')
    else this.setState('closed')
    this.rejectWaiters(new CchubError('CLOSED', 'The client was closed'))
    return closed
  }

  /** Sends one request and resolves with the `data` of its `success` (or `pong`) reply; rejects with a CchubError. */
  request<K extends keyof ReplyMap>(type: K, message?: RequestMessage, opts?: { timeoutMs?: number }): Promise<ReplyMap[K]>
  request<T = unknown>(type: string, message?: RequestMessage, opts?: { timeoutMs?: number }): Promise<T>
  async request(type: string, message: RequestMessage = {}, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs ?? 10_000
    const deadline = Date.now() + timeoutMs
    // re-checked after waking: the socket may have dropped again between the open and this continuation
    while (!this.isOpen()) await this.whenOpen(Math.max(1, deadline - Date.now()))
    return this.sendRequest(type, message, Math.max(1, deadline - Date.now()))
  }

  /** Fire-and-forget frame (no id, so no reply); false when not connected. */
  send(type: string, message: RequestMessage = {}): boolean {
    if (!this.isOpen()) return false
    this.transmit({ type, ...message })
    return true
  }

  /**
   * Calls `handler` for every message on `channel`, in seq order, each once, across reconnects.
   * `opts.since` resumes after a seq seen earlier (only when this client does not hold the channel yet).
   */
  subscribe<D = unknown>(channel: string, handler: MessageHandler<D>, opts: SubscribeOptions = {}): Subscription {
    let sub = this.subs.get(channel)
    if (!sub) {
      sub = new ChannelSubscription(channel, opts.since, (err) => this.reportLater(err))
      this.subs.set(channel, sub)
      if (this.isOpen()) this.sendSubscribe(sub)
    }
    const entry: HandlerEntry = { fn: handler as MessageHandler, opts }
    sub.handlers.add(entry)
    const owner = sub
    return Object.assign(() => this.removeHandler(owner, entry), { channel, ready: sub.ready })
  }

  /** Last seq delivered on a durable channel; persist it to resume with `since` after a page reload. */
  lastSeq(channel: string): number | undefined {
    return this.subs.get(channel)?.lastSeq
  }

  private isOpen(): boolean {
    return this.authenticated && this.ws !== null
  }

  private setState(next: ConnectionState): void {
    const previous = this.current
    if (previous === next) return
    this.current = next
    this.events.emit('state', next, previous)
  }

  private async attempt(): Promise<void> {
    const generation = ++this.generation
    this.authFailure = null
    let token: string
    try {
      token = await this.token()
    } catch (err) {
      if (generation !== this.generation) return
      this.events.emit('error', err instanceof Error ? err : new Error(String(err)))
      return this.afterClose(CLIENT_ABANDONED, 'token provider failed')
    }
    if (generation !== this.generation) return
    this.open(token)
  }

  private async token(): Promise<string> {
    const token = this.opts.tokenProvider ? await this.opts.tokenProvider() : this.opts.token
    if (!token) throw new CchubError('AUTH_FAILED', 'The token provider returned no token')
    return token
  }

  private open(token: string): void {
    let ws: WebSocket
    try {
      ws = new this.WS(socketUrl(this.opts.url, this.opts.authMode === 'query' ? token : undefined))
    } catch (err) {
      this.events.emit('error', err instanceof Error ? err : new Error(String(err)))
      return this.afterClose(CLIENT_ABANDONED, 'could not create socket')
    }
    this.ws = ws
    this.connectTimer = setTimeout(() => this.abandon('connect timeout'), this.opts.connectTimeoutMs ?? 10_000)
    ws.onmessage = (e: MessageEvent) => this.onFrame(ws, e.data)
    ws.onclose = (e: CloseEvent) => this.onSocketClose(ws, e.code, e.reason)
    ws.onerror = () => {} // a close event always follows and carries the code
    this.pendingToken = token
  }

  private onFrame(ws: WebSocket, raw: unknown): void {
    if (ws !== this.ws) return
    this.heartbeat.alive()
    const msg = parse(raw)
    if (!msg) return this.events.emit('error', new CchubError('INVALID_FRAME', 'The server sent a frame that is not a JSON envelope'))
    if (msg.type === 'connected') this.onConnected(ws, msg.data as ConnectedData)
    else if (msg.id !== undefined && REPLY_TYPES.has(msg.type)) this.onReply(msg)
    else if (msg.type === 'error') this.events.emit('error', CchubError.fromData(msg.data))
    else if (msg.type === 'unsubscribed' && msg.channel) this.onRevoked(msg.channel, msg.data)
    else if (msg.channel && !CONTROL_TYPES.has(msg.type)) this.subs.get(msg.channel)?.receive(msg as ChannelMessage)
    this.events.emit('message', msg)
  }

  private onReply(msg: ServerMessage): void {
    const result = msg.type === 'error' ? CchubError.fromData(msg.data) : { data: msg.data }
    if (!this.pending.settle(String(msg.id), result) && result instanceof Error) this.events.emit('error', result)
  }

  private onConnected(ws: WebSocket, data: ConnectedData): void {
    this.connectionId = data.connection_id
    this.events.emit('connected', data)
    if (data.authenticated && data.user) return this.onAuthenticated(ws, data.user)
    this.sendRequest('auth', { data: { token: this.pendingToken } }, 0).then(
      (reply) => this.onAuthenticated(ws, (reply as AuthReply).user),
      (err: CchubError) => this.onAuthRefused(ws, err),
    )
  }

  private onAuthenticated(ws: WebSocket, user: PublicUser): void {
    if (ws !== this.ws) return
    clearTimeout(this.connectTimer)
    this.authenticated = true
    this.user = user
    // only a connection that stays up proves the server healthy; a flapping one keeps backing off
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.opts.reconnect?.stableAfterMs ?? 5_000)
    this.heartbeat.start()
    this.setState('open')
    for (const sub of this.subs.values()) this.sendSubscribe(sub)
    this.resolveWaiters()
  }

  private onAuthRefused(ws: WebSocket, err: CchubError): void {
    if (ws !== this.ws) return
    const credentials = CREDENTIAL_ERROR_CODES.has(err.code)
    if (credentials) this.authFailure = err
    this.events.emit('error', err)
    // the server closes a refused socket itself; dropping it now makes the outcome independent of that timing
    this.drop(ws, credentials ? CloseCode.AUTH_FAILED : CLIENT_ABANDONED, err.message)
  }

  private onRevoked(channel: string, data: unknown): void {
    const sub = this.subs.get(channel)
    if (!sub) return
    this.subs.delete(channel)
    sub.revoked(String((data as { reason?: unknown } | null)?.reason ?? 'no reason given'))
  }

  private sendSubscribe(sub: ChannelSubscription): void {
    sub.begin()
    const ws = this.ws
    this.sendRequest('subscribe', sub.request(), 0).then(
      (reply) => sub.accept(reply as SubscribeReply),
      (err: CchubError) => this.onSubscribeFailed(ws, sub, err),
    )
  }

  private onSubscribeFailed(ws: WebSocket | null, sub: ChannelSubscription, err: CchubError): void {
    if (err.code === 'DISCONNECTED' || err.code === 'CLOSED') return
    if (PERMANENT_CODES.has(err.code)) {
      if (this.subs.get(sub.channel) === sub) this.subs.delete(sub.channel)
      return sub.fail(err)
    }
    // transient (rate limited, internal error): try again on this socket a little later
    sub.interrupt()
    this.events.emit('error', err)
    sub.retryTimer = setTimeout(() => {
      if (ws === this.ws && this.isOpen() && this.subs.get(sub.channel) === sub) this.sendSubscribe(sub)
    }, 1_000)
  }

  private removeHandler(sub: ChannelSubscription, entry: HandlerEntry): void {
    if (!sub.handlers.delete(entry) || sub.handlers.size > 0) return
    clearTimeout(sub.retryTimer)
    if (this.subs.get(sub.channel) !== sub) return
    this.subs.delete(sub.channel)
    if (this.isOpen()) this.sendRequest('unsubscribe', { channel: sub.channel }, this.opts.requestTimeoutMs ?? 10_000).catch(() => {})
  }

  private ping(): void {
    const sent = Date.now()
    this.sendRequest('ping', { data: { timestamp: sent } }, 0).then(
      () => (this.lastRttMs = Date.now() - sent),
      () => {}, // a lost pong is the heartbeat's business
    )
  }

  private sendRequest(type: string, message: RequestMessage, timeoutMs: number): Promise<unknown> {
    const id = this.pending.nextId()
    const reply = this.pending.add(id, timeoutMs, type)
    this.transmit({ type, id, ...message })
    return reply
  }

  private transmit(frame: { type: string } & Record<string, unknown>): void {
    const ws = this.ws
    const text = JSON.stringify({ ...frame, timestamp: new Date().toISOString() })
    this.throttle.run(() => {
      if (ws && ws === this.ws && ws.readyState === OPEN) ws.send(text)
    })
  }

  /** Gives up on a socket that cannot be trusted (timeouts): no waiting for a close handshake a dead peer never sends. */
  private abandon(reason: string): void {
    if (this.ws) this.drop(this.ws, CLIENT_ABANDONED, reason)
  }

  private drop(ws: WebSocket, code: number, reason: string): void {
    ws.onmessage = null
    ws.onclose = null
    try {
      ws.close(code, reason.slice(0, 120))
    } catch {
      // already closed
    }
    this.onSocketClose(ws, code, reason)
  }

  private onSocketClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return
    this.ws = null
    this.authenticated = false
    clearTimeout(this.connectTimer)
    clearTimeout(this.stableTimer)
    this.heartbeat.stop()
    this.throttle.reset()
    this.pending.rejectAll(() => this.stopped
      ? new CchubError('CLOSED', 'The client was closed')
      : new CchubError('DISCONNECTED', `Connection lost (${code}${reason ? ` ${reason}` : ''}) before the reply`))
    for (const sub of this.subs.values()) sub.interrupt()
    this.afterClose(code, reason)
  }

  /** Decides between reconnecting (with backoff) and giving up, after a socket or an attempt ended. */
  private afterClose(code: number, reason: string): void {
    if (this.stopped) {
      this.setState('closed')
      return this.events.emit('disconnect', { code, reason, willReconnect: false })
    }
    const badCredentials = CREDENTIAL_CLOSE_CODES.has(code) || this.authFailure !== null
    if ((badCredentials && !this.opts.tokenProvider) || this.opts.reconnect?.enabled === false) return this.giveUp(code, reason)
    const delayMs = this.backoff.next()
    this.setState('reconnecting')
    this.events.emit('disconnect', { code, reason, willReconnect: true, delayMs })
    this.reconnectTimer = setTimeout(() => {
      this.reconnects++
      void this.attempt()
    }, delayMs)
  }

  private giveUp(code: number, reason: string): void {
    this.stopped = true
    this.setState('closed')
    this.events.emit('disconnect', { code, reason, willReconnect: false })
    this.rejectWaiters(this.authFailure ?? new CchubError(CREDENTIAL_CLOSE_CODES.has(code) ? 'AUTH_FAILED' : 'CLOSED', `Connection closed (${code} ${reason})`))
  }

  /** Resolves when the client is authenticated; timeoutMs 0 waits as long as the client keeps trying. */
  private whenOpen(timeoutMs: number): Promise<void> {
    if (this.isOpen()) return Promise.resolve()
    if (this.stopped) return Promise.reject(new CchubError('CLOSED', 'The client is not connected: call connect() first'))
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const waiter: Waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (err) => (clearTimeout(timer), reject(err)),
      }
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.waiters.delete(waiter)
          reject(new CchubError('TIMEOUT', `Not connected within ${timeoutMs} ms`))
        }, timeoutMs)
      }
      this.waiters.add(waiter)
    })
  }

  private resolveWaiters(): void {
    for (const w of this.waiters) w.resolve()
    this.waiters.clear()
  }

  private rejectWaiters(err: Error): void {
    for (const w of this.waiters) w.reject(err)
    this.waiters.clear()
  }

  /** Errors thrown by application callbacks surface as 'error' events, outside the frame being handled. */
  private reportLater(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err))
    queueMicrotask(() => this.events.emit('error', error))
  }
}

function parse(raw: unknown): ServerMessage | null {
  if (typeof raw !== 'string') return null
  try {
    const msg = JSON.parse(raw) as ServerMessage
    return msg && typeof msg === 'object' && typeof msg.type === 'string' ? msg : null
  } catch {
    return null
  }
}

function onceClosed(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000)
    ws.addEventListener('close', () => (clearTimeout(timer), resolve()))
  })
}
