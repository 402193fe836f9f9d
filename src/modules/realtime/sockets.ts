// The WebSocket connections of this node: opening, authenticating, liveness and closing, under the stream caps.
import type { ServerWebSocket } from 'bun'
import type { Config } from '../../config/schema.ts'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import type { Principal } from '../auth/service.ts'
import { Connection } from './connection.ts'
import type { DialectChoice } from './dialect-router.ts'
import { reply } from './envelope.ts'
import { CloseCode } from './model.ts'
import type { SseStream } from './sse-stream.ts'
import type { GatewayStats } from './stats.ts'
import { expiryTimer, type StreamRegistry } from './streams.ts'
import type { Subscriptions } from './subscriptions.ts'

type SocketConfig = Pick<Config, 'wsAuthTimeout' | 'wsPingInterval' | 'wsRateLimit' | 'wsRateBurst'>

export class Sockets {
  readonly connections = new Map<string, Connection>()

  constructor(
    private readonly config: SocketConfig,
    private readonly clock: Clock,
    private readonly streams: StreamRegistry<Connection | SseStream>,
    private readonly subscriptions: Subscriptions,
    private readonly stats: GatewayStats,
  ) {}

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
    if (principal && autoJoin) void this.subscriptions.joinPromised(conn)
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
    this.subscriptions.leaveAll(conn)
  }
}

export const publicUser = (p: Principal) => ({ id: p.user.id, username: p.user.username, role: p.user.role })
