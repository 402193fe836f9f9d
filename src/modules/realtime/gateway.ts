// The realtime gateway: the only code that touches sockets and calls server.publish (through its fan-out).
import type { Server } from 'bun'
import type { EventBus, BusMessage } from '../../bus/event-bus.ts'
import type { Config } from '../../config/schema.ts'
import type { Clock } from '../../core/clock.ts'
import type { Signals } from '../../core/signals.ts'
import type { Slots } from '../../core/slots.ts'
import type { AuthService, Principal } from '../auth/service.ts'
import { checkOrigin, upgradePrincipal } from './admission.ts'
import type { ChannelLog } from './channel-log.ts'
import type { ChannelAccess } from './channels.ts'
import type { Connection } from './connection.ts'
import { message } from './envelope.ts'
import { FanOut } from './fan-out.ts'
import { startHeartbeat } from './heartbeat.ts'
import { ChannelMembers } from './members.ts'
import { CloseCode } from './model.ts'
import { GatewayStats } from './stats.ts'
import type { Replayer } from './replay.ts'
import { Revocations } from './revocation.ts'
import { SseStream } from './sse-stream.ts'
import { expiryTimer, StreamRegistry } from './streams.ts'
import { Sockets } from './sockets.ts'
import { Subscriptions, type ChannelWatcher, type LeaveReason } from './subscriptions.ts'

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
  /** Sockets and SSE streams together: the caps count both, and every revocation trigger reaches both. */
  private readonly streams: StreamRegistry<Connection | SseStream>
  readonly stats = new GatewayStats()
  private readonly sockets: Sockets
  private readonly fanOut: FanOut
  /** Non-socket listeners (SSE streams) that receive every bus message. */
  private readonly taps = new Set<(m: BusMessage) => void>()
  private readonly subscriptions: Subscriptions
  private readonly revocations: Revocations
  private stopHeartbeat: (() => void) | null = null
  private unsubscribers: (() => void)[] = []

  constructor(private readonly deps: GatewayDeps) {
    const { config } = deps
    const members = new ChannelMembers()
    this.fanOut = new FanOut(members, this.stats, deps.log, config.wsBackpressureLimit, this.taps)
    this.subscriptions = new Subscriptions(deps, members, this.stats)
    this.streams = new StreamRegistry(
      { total: config.wsMaxConnections, perUser: config.wsMaxConnectionsPerUser },
      deps.elsewhere && ((userId, delta) => deps.elsewhere!.count(userId, delta)),
    )
    this.sockets = new Sockets(config, deps.clock, this.streams, this.subscriptions, this.stats)
    this.revocations = new Revocations(this.streams, deps, (conn, channel) =>
      this.unsubscribe(conn, channel, 'revoked'),
    )
  }

  get connections(): Map<string, Connection> {
    return this.sockets.connections
  }

  /** Replays that read the store (and fill send buffers) take turns, so a reconnect wave cannot blow up memory. */
  get replaySlots(): Slots {
    return this.deps.replayer.slots
  }

  /** Starts delivering: called once the HTTP server is listening. */
  attach(server: Server<unknown>): void {
    this.fanOut.server = server
    this.unsubscribers.push(
      this.deps.bus.subscribe((m) => this.fanOut.deliver(m)),
      ...this.revocations.listen(),
    )
    const { wsPingInterval: pingInterval, wsIdleTimeout: idleTimeout } = this.deps.config
    this.stopHeartbeat = startHeartbeat(this.deps.clock, this.connections, { pingInterval, idleTimeout })
  }

  /**
   * Upgrade-time checks: Origin, credentials (see upgradePrincipal) and connection limits. Throws AppError → HTTP
   * error, no upgrade.
   */
  async admit(request: Request, token: string | undefined): Promise<Principal | null> {
    checkOrigin(request, this.deps.config.wsAllowedOrigins)
    this.streams.checkTotal()
    const principal = await upgradePrincipal(this.deps.auth, request, token)
    if (!principal) return null
    await this.checkUser(principal.user.id)
    return principal
  }

  /** The per-user cap counting the user's streams on every node (on a single node: this one's, synchronously). */
  async checkUser(userId: string): Promise<void> {
    this.streams.checkUser(userId, this.deps.elsewhere ? await this.deps.elsewhere.others(userId) : 0)
  }

  /** A socket has been upgraded: see Sockets.open. */
  open(...args: Parameters<Sockets['open']>): Connection {
    return this.sockets.open(...args)
  }

  /** A pong (or any sign of life) from the socket: it is not idle. */
  seen(id: string): void {
    this.sockets.seen(id)
  }

  /** Binds a principal to the connection (first time or re-auth with a fresh token of the same user). */
  authenticate(conn: Connection, principal: Principal): void {
    this.sockets.authenticate(conn, principal)
  }

  /** The socket is gone: see Sockets.closed. */
  closed(conn: Connection, code?: number): void {
    this.sockets.closed(conn, code)
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

  /** Joins the channel the endpoint promised, once the socket is authenticated: see Subscriptions.joinPromised. */
  afterAuth(conn: Connection): Promise<void> {
    return this.subscriptions.joinPromised(conn)
  }

  subscribe(conn: Connection, channelName: string, since?: number) {
    return this.subscriptions.subscribe(conn, channelName, since)
  }

  unsubscribe(conn: Connection, channel: string, why: LeaveReason = 'unsubscribe'): boolean {
    return this.subscriptions.unsubscribe(conn, channel, why)
  }

  /** Lets a module follow joins and leaves of one channel kind (presence): see Subscriptions.watch. */
  watch(kind: string, watcher: ChannelWatcher): void {
    this.subscriptions.watch(kind, watcher)
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
    this.fanOut.relayToOthers(conn, channel, type, data)
  }

  /** Channels some socket or SSE stream here follows: caught up from the store after a break in the network bus. */
  liveChannels(): Set<string> {
    const out = new Set<string>()
    for (const s of this.streams.list()) for (const c of s.channels) out.add(c)
    return out
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
}
