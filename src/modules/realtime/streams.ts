// Every live stream of the hub, WebSockets and SSE alike, by user: the connection caps and every revocation reach both.
import { AppError } from '../../core/errors.ts'
import type { Principal } from '../auth/service.ts'

/** What the caps and the revocation triggers need of a socket or an SSE stream. */
export interface LiveStream {
  readonly principal: Principal | null
  /** The channels it receives now. */
  readonly channels: ReadonlySet<string>
  close(code: number, reason: string): void
}

export class StreamRegistry<S extends LiveStream> {
  /** Every open stream, unauthenticated sockets included (they count against the global cap). */
  private readonly all = new Set<S>()
  private readonly byUser = new Map<string, Set<S>>()

  constructor(
    private readonly caps: { total: number; perUser: number },
    /** Told of every stream a user gains or loses here (the cluster-wide count; nothing on a single node). */
    private readonly counted?: (userId: string, delta: 1 | -1) => void,
  ) {}

  get size(): number {
    return this.all.size
  }

  /** Before accepting a stream: 503 once the server holds `total` streams. */
  checkTotal(): void {
    if (this.all.size >= this.caps.total)
      throw new AppError('TOO_MANY_CONNECTIONS', 503, `Server connection limit (${this.caps.total}) reached`)
  }

  /**
   * Before counting a stream for a user: 429 once the user holds `perUser` sockets and SSE streams together, here and
   * (`elsewhere`) on the other nodes.
   */
  checkUser(userId: string, elsewhere = 0): void {
    if ((this.byUser.get(userId)?.size ?? 0) + elsewhere >= this.caps.perUser) {
      throw new AppError(
        'TOO_MANY_CONNECTIONS',
        429,
        `Per-user connection limit (${this.caps.perUser}) reached (WebSockets and SSE streams together)`,
      )
    }
  }

  add(s: S): void {
    this.all.add(s)
  }

  /** Counts an added stream for its user (once authenticated). */
  bind(s: S, userId: string): void {
    let set = this.byUser.get(userId)
    if (!set) this.byUser.set(userId, (set = new Set()))
    set.add(s)
    this.counted?.(userId, 1)
  }

  /** False when it was not registered (already removed). */
  remove(s: S): boolean {
    if (!this.all.delete(s)) return false
    const userId = s.principal?.user.id
    const set = userId ? this.byUser.get(userId) : undefined
    if (!set?.delete(s)) return true
    if (!set.size) this.byUser.delete(userId!)
    this.counted?.(userId!, -1)
    return true
  }

  /** A snapshot: the streams of one user, or all of them. */
  list(userId?: string): S[] {
    return [...(userId ? (this.byUser.get(userId) ?? []) : this.all)]
  }

  /** Closes the matching streams (only that user's, when named). */
  closeWhere(pred: (s: S) => boolean, code: number, reason: string, userId?: string): void {
    for (const s of this.list(userId)) if (pred(s)) s.close(code, reason)
  }
}

/** Ends a JWT-authenticated stream when its token's `exp` is reached; API keys have no such timer. */
export function expiryTimer(principal: Principal, onExpired: () => void): ReturnType<typeof setTimeout> | undefined {
  if (!principal.expiresAt) return undefined
  return setTimeout(onExpired, Math.min(Math.max(0, principal.expiresAt - Date.now()), 2_147_000_000))
}
