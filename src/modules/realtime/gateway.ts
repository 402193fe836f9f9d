// The realtime gateway: the only code that touches sockets and calls server.publish.
import type { Server, ServerWebSocket } from 'bun'
import type { EventBus, BusMessage } from '../../bus/event-bus.ts'
import type { Config } from '../../config/schema.ts'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import type { Signals } from '../../core/signals.ts'
import type { Slots } from '../../core/slots.ts'
import type { AuthService, Principal } from '../auth/service.ts'
import type { ChannelLog } from './channel-log.ts'
import { kindOf, parseChannel, type ChannelAccess } from './channels.ts'
import { Connection } from './connection.ts'
import type { DialectChoice } from './dialect-router.ts'
import { message, reply } from './envelope.ts'
import { ChannelMembers } from './members.ts'
import { CloseCode } from './model.ts'
import { GatewayStats } from './stats.ts'
import type { Replayer } from './replay.ts'
import { Revocations } from './revocation.ts'
import { SseStream } from './sse-stream.ts'
import { expiryTimer, StreamRegistry } from './streams.ts'

export type GatewayConfig = Pick<
  Config,
  | 'wsAllowedOrigins'
  | 'wsAuthTimeout'
  | 'wsPingInterval'
  | 'wsIdleTimeout'
  | 'wsMaxConnections'
  | 'wsMaxConnectionsPerUser'
  | 'wsRateLimit'
  | 'wsRateBurst'
  | 'wsBackpressureLimit'
>

export interface GatewayDeps {
  config: GatewayConfig
  auth: AuthService
  log: ChannelLog
  access: ChannelAccess
  bus: EventBus
  signals: Signals
  /** Replays on subscribe with `since` (shared with SSE, so both take turns from the same replay slots). */
  replayer: Replayer
  /** Drives the heartbeat, idle detection, the auth timeout and the refill of the per-connection rate limit. */
  clock: Clock
  /** The user's streams on the other nodes, and this node's counts for them; absent on a single node. */
  elsewhere?: {
    others(userId: string): Promise<number>
    count(userId: string, delta: 1 | -1): void
  }
}

export class Gateway {
  readonly connections = new Map<string, Connection>()
  /** Sockets and SSE streams together: the caps count both, and every revocation trigger reaches both. */
  private readonly streams: StreamRegistry<Connection | SseStream>
  private readonly members = new ChannelMembers()
  readonly stats = new GatewayStats()
  private server: Server<unknown> | null = null
  private stopHeartbeat: (() => void) | null = null
  private unsubscribers: (() => void)[] = []
  /** Non-socket listeners (SSE streams) that receive every bus message. */
  private readonly taps = new Set<(m: BusMessage) => void>()
  private readonly watchers = new Map<string, ChannelWatcher[]>()
  private readonly config: GatewayConfig
  private readonly clock: Clock
  private readonly revocations: Revocations

  constructor(private readonly deps: GatewayDeps) {
    this.config = deps.config
    this.clock = deps.clock
    this.streams = new StreamRegistry(
      { total: deps.config.wsMaxConnections, perUser: deps.config.wsMaxConnectionsPerUser },
      deps.elsewhere && ((userId, delta) => deps.elsewhere!.count(userId, delta)),
    )
    this.revocations = new Revocations(this.streams, deps, (conn, channel) =>
      this.unsubscribe(conn, channel, 'revoked'),
    )
  }

  /** Replays that read the store (and fill send buffers) take turns, so a reconnect wave cannot blow up memory. */
  get replaySlots(): Slots {
    return this.deps.replayer.slots
  }

  /** Starts delivering: called once the HTTP server is listening. */
  attach(server: Server<unknown>): void {
    this.server = server
    this.unsubscribers.push(
      this.deps.bus.subscribe((m) => this.deliver(m)),
      ...this.revocations.listen(),
    )
    this.stopHeartbeat = this.clock.every(this.config.wsPingInterval * 1000, () => this.heartbeat())
  }

  /**
   * Upgrade-time checks: Origin, credentials (if given: `?token=`, else an `Authorization: Bearer` or `X-API-Key`
   * header, which non-browser clients can send) and connection limits. Throws AppError → HTTP error, no upgrade.
   */
  async admit(request: Request, token: string | undefined): Promise<Principal | null> {
    this.checkOrigin(request)
    this.streams.checkTotal()
    const headers = request.headers
    const principal = token
      ? await this.deps.auth.authenticateToken(token)
      : headers.has('authorization') || headers.has('x-api-key')
        ? await this.deps.auth.authenticateHeaders(headers)
        : null
    if (!principal) return null
    await this.checkUser(principal.user.id)
    return principal
  }

  /** The per-user cap counting the user's streams on every node (on a single node: this one's, synchronously). */
  async checkUser(userId: string): Promise<void> {
    this.streams.checkUser(userId, this.deps.elsewhere ? await this.deps.elsewhere.others(userId) : 0)
  }

  /**
   * A socket has been upgraded: registers it, starts its auth timeout unless `principal` came with the upgrade, and
   * joins `autoJoin` (the endpoint's own channel) once it is authenticated.
   */
  open(
    id: string,
    ws: ServerWebSocket<unknown>,
    principal: Principal | null,
    autoJoin: Connection['autoJoin'],
    /** The dialect its upgrade selected (null: cchub's protocol; undefined: its first frame may still pick one). */
    dialect: DialectChoice,
  ): Connection {
    const rate = { perSecond: this.config.wsRateLimit, burst: this.config.wsRateBurst }
    const conn = new Connection(id, ws, ws.remoteAddress ?? '', rate, () => this.clock.now())
    conn.autoJoin = autoJoin
    conn.dialect = dialect ? dialect(conn) : dialect
    this.connections.set(conn.id, conn)
    this.streams.add(conn)
    conn.lastSeen = this.clock.now()
    this.stats.connectionsOpened++
    if (principal) this.authenticate(conn, principal)
    else
      conn.authTimer = this.clock.after(this.config.wsAuthTimeout * 1000, () =>
        conn.close(CloseCode.AUTH_FAILED, 'authentication timeout'),
      )
    conn.send(
      reply('connected', undefined, {
        connection_id: conn.id,
        authenticated: principal !== null,
        user: principal ? publicUser(principal) : null,
        heartbeat_interval_s: this.config.wsPingInterval,
        auth_timeout_s: principal ? null : this.config.wsAuthTimeout,
      }),
    )
    if (principal && autoJoin) void this.afterAuth(conn)
    return conn
  }

  /** A pong (or any sign of life) from the socket: it is not idle. */
  seen(id: string): void {
    const conn = this.connections.get(id)
    if (conn) conn.lastSeen = this.clock.now()
  }

  /** Binds a principal to the connection (first time or re-auth with a fresh token of the same user). */
  authenticate(conn: Connection, principal: Principal): void {
    if (conn.principal && conn.principal.user.id !== principal.user.id)
      throw new AppError('FORBIDDEN', 403, 'A connection cannot switch users')
    if (!conn.principal) {
      this.streams.checkUser(principal.user.id)
      this.streams.bind(conn, principal.user.id)
    }
    conn.principal = principal
    conn.clearTimers()
    conn.expiryTimer = expiryTimer(principal, () => conn.close(CloseCode.TOKEN_EXPIRED, 'token expired'))
  }

  /**
   * Registers an SSE stream under the same caps (503 server full, 429 user at CCHUB_WS_MAX_CONNECTIONS_PER_USER,
   * sockets and streams together) and the same revocation triggers and expiry as a socket.
   */
  openStream(principal: Principal, channels: string[]): SseStream {
    this.streams.checkTotal()
    this.streams.checkUser(principal.user.id)
    const stream = new SseStream(principal, channels)
    this.streams.add(stream)
    this.streams.bind(stream, principal.user.id)
    stream.expiryTimer = expiryTimer(principal, () => stream.close(CloseCode.TOKEN_EXPIRED, 'token expired'))
    return stream
  }

  /** The SSE stream has ended (closed by the server, the client or a failed start): its slot is free. */
  streamClosed(stream: SseStream): void {
    clearTimeout(stream.expiryTimer)
    this.streams.remove(stream)
  }

  /** Joins the channel the endpoint promised (e.g. task:<id> for /ws/executions/:id), reporting it as a success. */
  async afterAuth(conn: Connection): Promise<void> {
    const join = conn.autoJoin
    conn.autoJoin = null
    if (!join) return
    try {
      const result = await this.subscribe(conn, join.channel, join.since)
      conn.send(reply('success', undefined, { action: 'subscribe', ...result }))
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('INTERNAL_ERROR', 500, 'subscribe failed')
      conn.send(reply('error', undefined, { code: e.code, message: e.message }))
    }
  }

  /**
   * The socket is gone. Bun closes a socket whose send buffer passes wsBackpressureLimit with 1006 and no reason,
   * like a client that vanished; one that had frames buffered when it went is counted as a backpressure close.
   */
  closed(conn: Connection, code?: number): void {
    if (code === 1006 && !conn.closed && conn.congested) this.stats.backpressureCloses++
    conn.closed = true
    conn.clearTimers()
    conn.drained()
    conn.dialect?.closed?.()
    if (!this.connections.delete(conn.id)) return
    this.streams.remove(conn)
    for (const ch of [...conn.channels]) {
      conn.channels.delete(ch)
      this.leave(conn, ch)
      for (const w of this.watchersOf(ch)) w.leave(conn, ch, 'closed')
    }
  }

  async subscribe(conn: Connection, channelName: string, since?: number) {
    const channel = parseChannel(channelName)
    // The user as stored now, not as at connect time: a role change must not leave a socket with its old rights.
    const user = await this.deps.auth.reloadUser(conn.principal!.user.id)
    if (!user || user.disabled) throw new AppError('FORBIDDEN', 403, `You may not subscribe to ${channel.name}`)
    conn.principal!.user = user
    await this.deps.access.assertRead(user, channel)
    if (conn.channels.has(channel.name))
      return { channel: channel.name, already_subscribed: true, seq: this.deps.log.publishedHead(channel.name) }
    const result = await this.deps.replayer.replayThenJoin(
      conn.replaySink(() => this.members.joinLive(conn, channel.name)),
      channel.name,
      since,
      conn.userId ?? '',
      this.stats,
    )
    if (!conn.closed) {
      conn.channels.add(channel.name)
      this.stats.subscribed(channel.name)
      this.members.add(conn, channel.name)
      for (const w of this.watchersOf(channel.name)) await w.join(conn, channel.name)
    }
    return result
  }

  unsubscribe(conn: Connection, channel: string, why: LeaveReason = 'unsubscribe'): boolean {
    if (!conn.channels.delete(channel)) return false
    this.leave(conn, channel)
    for (const w of this.watchersOf(channel)) w.leave(conn, channel, why)
    return true
  }

  /**
   * Lets a module follow joins and leaves of one channel kind (presence); join runs after the subscribe reply data is
   * ready.
   */
  watch(kind: string, watcher: ChannelWatcher): void {
    this.watchers.set(kind, [...(this.watchers.get(kind) ?? []), watcher])
  }

  /** Sends one frame to one connection (e.g. session_state after a join). */
  sendTo(conn: Connection, type: string, data: unknown, channel?: string): boolean {
    return conn.send(message(type, data, { channel }))
  }

  /** A live-only frame for `channel`'s subscribers on the other nodes (none when this node is alone). */
  shareLive(channel: string, type: string, data: unknown): void {
    this.deps.log.shareLive({ channel, type, frame: message(type, data, { channel }) })
  }

  /** Live-only frame to every subscriber of `channel` except the sender's socket (typing, cursors). */
  relayToOthers(conn: Connection, channel: string, type: string, data: unknown): void {
    const frame = message(type, data, { channel })
    const n = this.server?.subscriberCount(channel) ?? 0
    const own = conn.dialect ? 0 : 1
    // a dialect socket is not on the topic, so it publishes through the server (ws.publish would skip only itself)
    if (n > own && (own ? conn.ws.publish(channel, frame) : this.server!.publish(channel, frame)) > 0)
      this.stats.delivered += n - own
    this.stats.delivered += this.members.sendTranslated(channel, frame, conn)
    this.deps.log.shareLive({ channel, type, frame })
  }

  /** Channels some socket or SSE stream here follows: caught up from the store after a break in the network bus. */
  liveChannels(): Set<string> {
    const out = new Set<string>()
    for (const s of this.streams.list()) for (const c of s.channels) out.add(c)
    return out
  }

  private leave(conn: Connection, channel: string): void {
    this.stats.unsubscribed(channel)
    this.members.leave(conn, channel)
  }

  private watchersOf(channel: string): ChannelWatcher[] {
    return this.watchers.get(kindOf(channel)) ?? []
  }

  tap(listener: (m: BusMessage) => void): () => void {
    this.taps.add(listener)
    return () => this.taps.delete(listener)
  }

  shutdown(): void {
    this.stopHeartbeat?.()
    for (const u of this.unsubscribers) u()
    this.streams.closeWhere(() => true, 1001, 'server shutting down')
  }

  private deliver(m: BusMessage): void {
    this.stats.published++
    if (this.server) {
      const n = this.server.subscriberCount(m.channel)
      if (n > 0) {
        // Bun answers -1 when any subscriber had to buffer (0: dropped) but not which one, so only then look:
        // a socket that closes with frames still buffered is counted as a backpressure close. (Scanning every member
        // on every publish cost as much CPU as the fan-out itself: see docs/benchmarks.md.)
        const sent = this.server.publish(m.channel, m.frame)
        if (sent <= 0) {
          for (const c of this.members.of(m.channel)) {
            const buffered = c.ws.getBufferedAmount()
            if (buffered > 0) c.congested = true
            // 0: Bun dropped the frame for a socket already past the limit and only defers its close; cut that socket
            // now, so no later frame can reach it after the gap (the client resumes by replay from what it received)
            if (sent === 0 && buffered > this.config.wsBackpressureLimit) c.cutOff()
          }
        }
        this.stats.delivered += n
      }
      this.stats.delivered += this.members.sendTranslated(m.channel, m.frame)
    }
    for (const t of this.taps) t(m)
  }

  private checkOrigin(request: Request): void {
    const origin = request.headers.get('origin')
    if (!origin) return
    const allowed = this.config.wsAllowedOrigins
    const host = request.headers.get('host')
    const own = host ? [`http://${host}`, `https://${host}`] : []
    if (allowed.includes('*') || allowed.includes(origin) || own.includes(origin)) return
    throw new AppError(
      'ORIGIN_NOT_ALLOWED',
      403,
      `Origin ${origin} may not open WebSockets here; add it to CCHUB_WS_ALLOWED_ORIGINS`,
    )
  }

  private heartbeat(): void {
    const idleMs = this.config.wsIdleTimeout * 1000
    const now = this.clock.now()
    for (const c of this.connections.values()) {
      if (now - c.lastSeen > idleMs) c.close(CloseCode.IDLE, 'idle timeout')
      else c.ws.ping()
    }
  }
}

export type LeaveReason = 'unsubscribe' | 'closed' | 'revoked'
export interface ChannelWatcher {
  join(conn: Connection, channel: string): void | Promise<void>
  leave(conn: Connection, channel: string, why: LeaveReason): void
}

export const publicUser = (p: Principal) => ({ id: p.user.id, username: p.user.username, role: p.user.role })
