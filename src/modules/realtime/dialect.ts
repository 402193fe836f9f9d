// The seam for other wire formats (the seeds' dialects): which connections speak one, and how frames translate.
import type { AppError } from '../../core/errors.ts'
import type { Principal } from '../auth/service.ts'
import type { ServerEnvelope } from './model.ts'

/** What is known of a WebSocket when it is upgraded: enough to pick a dialect by path or subprotocol. */
export interface UpgradeInfo {
  /** URL path, e.g. `/ws` or `/ws/executions/<id>`. */
  path: string
  /** Sec-WebSocket-Protocol values the client offered, in its order. */
  protocols: string[]
}

/**
 * Contract of a dialect (one per seed client family; cchub's own protocol is the default and needs none):
 * - A connection is claimed by the first dialect whose `claimsUpgrade` accepts its upgrade, else by the first whose
 *   `claimsFirstFrame` accepts the first frame it sends; a connection nobody claimed speaks cchub's protocol for good,
 *   except that an unclaimed `auth` or `ping` (answered alike for every protocol) leaves the choice to the next frame.
 * - The dialect translates only: what a client asks goes to cchub's dispatcher through `io.dispatch` as cchub messages
 *   (their replies come back through `outbound`), and every frame cchub sends the connection (replies, replayed and
 *   live channel messages, notices) passes through `outbound`, which writes zero or more frames with `io.write`.
 *   Access rules, limits, the channel log and its seqs stay cchub's: a dialect never bypasses them.
 * - `inbound` and `outbound` must not throw; a client error is answered in the dialect's own error shape. `outbound` reads
 *   its envelope and never changes it: one parsed envelope is shared by every dialect socket of a fan-out.
 */
export interface Dialect {
  /** Short stable name: logs, stats, and the `cchub.<name>` subprotocol a client may offer to pick it explicitly. */
  readonly name: string
  claimsUpgrade?(upgrade: UpgradeInfo): boolean
  /** `frame` is the first message the client sent (or the first after unclaimed `auth`/`ping`s), parsed (any JSON). */
  claimsFirstFrame?(frame: unknown): boolean
  /** Starts translating for one connection (state lives in the returned object). */
  open(io: DialectIO): DialectConnection
}

/** What a dialect may do with its connection. */
export interface DialectIO {
  /** Hands a message in cchub's protocol to the dispatcher as if the client had sent it. */
  dispatch(message: Record<string, unknown>): void
  /**
   * Answers `message` (its `id` is echoed) with an error of the dialect's own checks through cchub's dispatcher, so
   * the rate limit and the invalid-message strikes count it like any other; the reply comes back through `outbound`.
   */
  refuse(message: Record<string, unknown>, error: AppError): void
  /** Writes a frame to the socket as it is; false when the socket is gone or the frame was dropped. */
  write(frame: string): boolean
  /**
   * Resolves once every message dispatched so far has been handled: a dialect that decides by `principal()` waits
   * for an `auth` its client sent just before (cchub handles a connection's messages in order, a dialect may not).
   */
  handled(): Promise<void>
  /** The authenticated user, once there is one. */
  principal(): Principal | null
  close(code: number, reason: string): void
}

export interface DialectConnection {
  inbound(frame: unknown): void
  /** One frame cchub would have sent (parsed envelope); false when nothing could be written (socket gone). */
  outbound(envelope: ServerEnvelope): boolean
  /** The socket closed. */
  closed?(): void
}

/** The registered dialects, asked in registration order. */
export class Dialects {
  private readonly list: Dialect[] = []

  use(dialect: Dialect): this {
    if (this.list.some((d) => d.name === dialect.name)) throw new Error(`dialect ${dialect.name} registered twice`)
    this.list.push(dialect)
    return this
  }

  /** The dialect an upgrade selects: a `cchub.<name>` subprotocol first, then each dialect's own rule. */
  forUpgrade(upgrade: UpgradeInfo): Dialect | null {
    for (const p of upgrade.protocols) {
      const named = p.startsWith('cchub.') && this.list.find((d) => `cchub.${d.name}` === p)
      if (named) return named
    }
    return this.list.find((d) => d.claimsUpgrade?.(upgrade)) ?? null
  }

  forFirstFrame(frame: unknown): Dialect | null {
    return this.list.find((d) => d.claimsFirstFrame?.(frame)) ?? null
  }

  get size(): number {
    return this.list.length
  }
}
