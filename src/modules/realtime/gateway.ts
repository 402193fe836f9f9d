// The realtime gateway: the only code that touches sockets and calls server.publish.
import type { Server } from 'bun'
import type { EventBus, BusMessage } from '../../bus/event-bus.ts'
import type { Config } from '../../config/schema.ts'
import { systemClock, type Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { Signals } from '../../core/signals.ts'
import { Slots } from '../../core/slots.ts'
import type { UserRecord } from '../../store/records.ts'
import type { AuthService, Principal } from '../auth/service.ts'
import type { ChannelLog } from './channel-log.ts'
import { parseChannel, type ChannelAccess } from './channels.ts'
import { Connection } from './connection.ts'
import { CloseCode } from './model.ts'
import { GatewayStats } from './stats.ts'
import { replayThenJoin } from './replay.ts'

export type GatewayConfig = Pick<Config,
  'wsAllowedOrigins' | 'wsAuthTimeout' | 'wsPingInterval' | 'wsIdleTimeout' | 'wsMaxConnections' | 'wsMaxConnectionsPerUser' |
  'wsRateLimit' | 'wsRateBurst' | 'wsBackpressureLimit' | 'wsMaxMessageBytes' | 'wsReplayConcurrency' | 'wsReplayStallTimeout'>

export const reply = (type: string, id: unknown, data: unknown) =>
  JSON.stringify({ type, ...(id === undefined ? {} : { id }), data, timestamp: new Date().toISOString() })

export class Gateway {
  readonly connections = new Map<string, Connection>()
  private readonly byUser = new Map<string, Set<Connection>>()
  /** Subscribed connections per channel, to find the backed-up ones when a publish meets backpressure. */
  private readonly members = new Map<string, Set<Connection>>()
  readonly stats = new GatewayStats()
  private server: Server<unknown> | null = null
  private stopHeartbeat: (() => void) | null = null
  private unsubscribers: (() => void)[] = []
  /** Non-socket listeners (SSE streams) that receive every bus message. */
  private readonly taps = new Set<(m: BusMessage) => void>()
  private readonly watchers = new Map<string, ChannelWatcher[]>()
  /** Replays that read the store (and fill send buffers) run a few at a time, so a reconnect wave cannot blow up memory; fair between users. */
  readonly replaySlots: Slots

  constructor(
    readonly config: GatewayConfig,
    readonly auth: AuthService,
    readonly log: ChannelLog,
    readonly access: ChannelAccess,
    private readonly bus: EventBus,
    private readonly signals: Signals,
    readonly logger: Logger,
    /** Drives the heartbeat, idle detection, the auth timeout and the refill of the per-connection rate limit. */
    readonly clock: Clock = systemClock,
  ) {
    this.replaySlots = new Slots(config.wsReplayConcurrency)
  }

  /** Starts delivering: called once the HTTP server is listening. */
  attach(server: Server<unknown>): void {
    this.server = server
    this.unsubscribers.push(
      this.bus.subscribe((m) => this.deliver(m)),
      this.signals.on('token-revoked', ({ jti }) => this.closeWhere((c) => c.principal?.jti === jti, CloseCode.TOKEN_REVOKED, 'token revoked')),
      this.signals.on('api-key-revoked', ({ keyId }) => this.closeWhere((c) => c.principal?.apiKeyId === keyId, CloseCode.TOKEN_REVOKED, 'api key revoked')),
      this.signals.on('user-disabled', ({ userId }) => this.closeWhere((c) => c.userId === userId, CloseCode.USER_DISABLED, 'user disabled or deleted')),
      this.signals.on('access-changed', ({ userId }) => void this.recheckAll(userId)),
    )
    this.stopHeartbeat = this.clock.every(this.config.wsPingInterval * 1000, () => this.heartbeat())
  }

  /** Upgrade-time checks: Origin, credentials (if given) and connection limits. Throws AppError → HTTP error, no upgrade. */
  async admit(request: Request, token: string | undefined): Promise<Principal | null> {
    this.checkOrigin(request)
    if (this.connections.size >= this.config.wsMaxConnections) {
      throw new AppError('TOO_MANY_CONNECTIONS', 503, `Server connection limit (${this.config.wsMaxConnections}) reached`)
    }
    if (!token) return null
    const principal = await this.auth.authenticateToken(token)
    this.checkUserLimit(principal.user.id)
    return principal
  }

  open(conn: Connection, principal: Principal | null): void {
    this.connections.set(conn.id, conn)
    conn.lastSeen = this.clock.now()
    this.stats.connectionsOpened++
    if (principal) this.authenticate(conn, principal)
    else conn.authTimer = this.clock.after(this.config.wsAuthTimeout * 1000, () => conn.close(CloseCode.AUTH_FAILED, 'authentication timeout'))
    conn.send(reply('connected', undefined, {
      connection_id: conn.id,
      authenticated: principal !== null,
      user: principal ? publicUser(principal) : null,
      heartbeat_interval_s: this.config.wsPingInterval,
      auth_timeout_s: principal ? null : this.config.wsAuthTimeout,
    }))
  }

  /** Binds a principal to the connection (first time or re-auth with a fresh token of the same user). */
  authenticate(conn: Connection, principal: Principal): void {
    if (conn.principal && conn.principal.user.id !== principal.user.id) throw new AppError('FORBIDDEN', 403, 'A connection cannot switch users')
    if (!conn.principal) {
      this.checkUserLimit(principal.user.id)
      let set = this.byUser.get(principal.user.id)
      if (!set) this.byUser.set(principal.user.id, (set = new Set()))
      set.add(conn)
    }
    conn.principal = principal
    conn.clearTimers()
    if (principal.expiresAt) {
      const ms = Math.max(0, principal.expiresAt - Date.now())
      conn.expiryTimer = setTimeout(() => conn.close(CloseCode.TOKEN_EXPIRED, 'token expired'), Math.min(ms, 2_147_000_000))
    }
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
    if (!this.connections.delete(conn.id)) return
    for (const ch of [...conn.channels]) {
      conn.channels.delete(ch)
      this.leave(conn, ch)
      for (const w of this.watchersOf(ch)) w.leave(conn, ch, 'closed')
    }
    const set = conn.userId ? this.byUser.get(conn.userId) : undefined
    if (set) {
      set.delete(conn)
      if (!set.size) this.byUser.delete(conn.userId!)
    }
  }

  async subscribe(conn: Connection, channelName: string, since?: number) {
    const channel = parseChannel(channelName)
    // The user as stored now, not as at connect time: a role change must not leave a socket with its old rights.
    const user = await this.auth.reloadUser(conn.principal!.user.id)
    if (!user || user.disabled) throw new AppError('FORBIDDEN', 403, `You may not subscribe to ${channel.name}`)
    conn.principal!.user = user
    await this.access.assertRead(user, channel)
    if (conn.channels.has(channel.name)) return { channel: channel.name, already_subscribed: true, seq: this.log.publishedHead(channel.name) }
    const result = await replayThenJoin(this, conn, channel.name, since)
    if (!conn.closed) {
      conn.channels.add(channel.name)
      this.stats.subscribed(channel.name)
      let members = this.members.get(channel.name)
      if (!members) this.members.set(channel.name, (members = new Set()))
      members.add(conn)
      for (const w of this.watchersOf(channel.name)) await w.join(conn, channel.name)
    }
    return result
  }

  unsubscribe(conn: Connection, channel: string, why: LeaveReason = 'unsubscribe'): boolean {
    if (!conn.channels.delete(channel)) return false
    conn.ws.unsubscribe(channel)
    this.leave(conn, channel)
    for (const w of this.watchersOf(channel)) w.leave(conn, channel, why)
    return true
  }

  /** Lets a module follow joins and leaves of one channel kind (presence); join runs after the subscribe reply data is ready. */
  watch(kind: string, watcher: ChannelWatcher): void {
    this.watchers.set(kind, [...(this.watchers.get(kind) ?? []), watcher])
  }

  /** Sends one frame to one connection (e.g. session_state after a join). */
  sendTo(conn: Connection, type: string, data: unknown, channel?: string): boolean {
    return conn.send(JSON.stringify({ type, ...(channel ? { channel } : {}), data, timestamp: new Date().toISOString() }))
  }

  /** Live-only frame to every subscriber of `channel` except the sender's socket (typing, cursors). */
  relayToOthers(conn: Connection, channel: string, type: string, data: unknown): void {
    const frame = JSON.stringify({ type, channel, data, timestamp: new Date().toISOString() })
    const n = this.server?.subscriberCount(channel) ?? 0
    if (n > 1 && conn.ws.publish(channel, frame) > 0) this.stats.delivered += n - 1
  }

  private leave(conn: Connection, channel: string): void {
    this.stats.unsubscribed(channel)
    const members = this.members.get(channel)
    if (members?.delete(conn) && !members.size) this.members.delete(channel)
  }

  private watchersOf(channel: string): ChannelWatcher[] {
    return this.watchers.get(channel.slice(0, channel.indexOf(':'))) ?? []
  }

  /** Subscribes the raw socket to the topic; only called in the same tick as the replay's last frame. */
  joinTopic(conn: Connection, channel: string): void {
    conn.ws.subscribe(channel)
  }

  tap(listener: (m: BusMessage) => void): () => void {
    this.taps.add(listener)
    return () => this.taps.delete(listener)
  }

  shutdown(): void {
    this.stopHeartbeat?.()
    for (const u of this.unsubscribers) u()
    for (const c of [...this.connections.values()]) c.close(1001, 'server shutting down')
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
          for (const c of this.members.get(m.channel) ?? []) {
            const buffered = c.ws.getBufferedAmount()
            if (buffered > 0) c.congested = true
            // 0: Bun dropped the frame for a socket already past the limit and only defers its close; cut that socket
            // now, so no later frame can reach it after the gap (the client resumes by replay from what it received)
            if (sent === 0 && buffered > this.config.wsBackpressureLimit) c.cutOff()
          }
        }
        this.stats.delivered += n
      }
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
    throw new AppError('ORIGIN_NOT_ALLOWED', 403, `Origin ${origin} may not open WebSockets here; add it to CCHUB_WS_ALLOWED_ORIGINS`)
  }

  private checkUserLimit(userId: string): void {
    if ((this.byUser.get(userId)?.size ?? 0) >= this.config.wsMaxConnectionsPerUser) {
      throw new AppError('TOO_MANY_CONNECTIONS', 429, `Per-user connection limit (${this.config.wsMaxConnectionsPerUser}) reached`)
    }
  }

  private closeWhere(pred: (c: Connection) => boolean, code: number, reason: string): void {
    for (const c of [...this.connections.values()]) if (pred(c)) c.close(code, reason)
  }

  /** After a membership change, drops every subscription its user may no longer read (only that user's, when named). */
  private async recheckAll(onlyUser?: string): Promise<void> {
    const conns = onlyUser ? [...(this.byUser.get(onlyUser) ?? [])] : [...this.connections.values()]
    const users = new Map<string, Promise<UserRecord | null>>()
    for (const conn of conns) {
      if (!conn.principal || conn.channels.size === 0) continue
      const id = conn.principal.user.id
      if (!users.has(id)) users.set(id, this.auth.reloadUser(id))
      const user = (await users.get(id)) ?? conn.principal.user
      for (const ch of [...conn.channels]) {
        if (await this.access.canRead(user, parseChannel(ch))) continue
        if (this.unsubscribe(conn, ch, 'revoked')) conn.send(JSON.stringify({ type: 'unsubscribed', channel: ch, data: { reason: 'access revoked' }, timestamp: new Date().toISOString() }))
      }
    }
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
