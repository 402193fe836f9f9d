// Picks each socket's dialect (at the upgrade or by its first frame) and routes its frames through it.
import type { Connection } from './connection.ts'
import type { DialectConnection, DialectIO, Dialects } from './dialect.ts'
import type { Dispatcher } from './dispatcher.ts'

export type DialectChoice = ((conn: Connection) => DialectConnection) | null | undefined

export class DialectRouter {
  constructor(
    readonly dialects: Dialects,
    private readonly dispatcher: Dispatcher,
  ) {}

  /**
   * The choice for a new socket: a dialect its path or subprotocol selects, else undefined while some dialect may
   * still claim it by its first frame, else null (cchub's protocol, with no per-frame cost).
   */
  atUpgrade(request: Request): DialectChoice {
    if (!this.dialects.size) return null
    const protocols = (request.headers.get('sec-websocket-protocol') ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
    const dialect = this.dialects.forUpgrade({ path: new URL(request.url).pathname, protocols })
    return dialect ? (conn) => dialect.open(this.io(conn)) : undefined
  }

  /** The subprotocol to answer the upgrade with (a client that offered one fails the handshake without it). */
  subprotocol(request: Request): string | null {
    const offered = request.headers.get('sec-websocket-protocol')
    if (!offered) return null
    const names = offered.split(',').map((p) => p.trim())
    return names.find((p) => p.startsWith('cchub.') && this.dialects.forUpgrade({ path: '', protocols: [p] })) ?? null
  }

  receive(conn: Connection, frame: unknown): void {
    if (conn.dialect === undefined) {
      const dialect = this.dialects.forFirstFrame(frame)
      if (dialect) conn.dialect = dialect.open(this.io(conn))
      else if (!isNeutral(frame)) conn.dialect = null
    }
    if (conn.dialect) conn.dialect.inbound(frame)
    else this.dispatcher.receive(conn, frame)
  }

  private io(conn: Connection): DialectIO {
    return {
      dispatch: (message) => this.dispatcher.receive(conn, message),
      refuse: (message, error) => this.dispatcher.refuse(conn, message, error),
      handled: () =>
        conn.queue.then(
          () => {},
          () => {},
        ),
      write: (frame) => conn.write(frame),
      principal: () => conn.principal,
      close: (code, reason) => conn.close(code, reason),
    }
  }
}

/**
 * An `auth` or `ping` no dialect claimed decides nothing: cchub answers it as seed 000 and cchub's own clients expect,
 * and seed 004's client, which authenticates with cchub's `auth` (its seed has none) or pings first, then picks its
 * dialect with its next frame (docs/protocol.md, "Dialects").
 */
function isNeutral(frame: unknown): boolean {
  const type = (frame as { type?: unknown } | null)?.type
  return type === 'auth' || type === 'ping'
}
