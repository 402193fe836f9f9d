// One WebSocket connection: its socket, principal, subscriptions, rate limiter and ordered message queue.
import type { ServerWebSocket } from 'bun'
import { TokenBucket } from '../../core/rate-limit.ts'
import type { Principal } from '../auth/service.ts'
import type { DialectConnection } from './dialect.ts'
import type { ServerEnvelope } from './model.ts'
import { until } from './drain.ts'
import type { ReplaySink } from './replay.ts'

export class Connection {
  principal: Principal | null = null
  readonly channels = new Set<string>()
  /**
   * The seed dialect this socket speaks: null for cchub's own protocol, undefined while its first frame may still pick
   * one (docs/protocol.md, dialects).
   */
  dialect: DialectConnection | null | undefined = null
  /** A channel to join as soon as the connection is authenticated (e.g. /ws/executions/:id). */
  autoJoin: { channel: string; since?: number } | null = null
  lastSeen = Date.now()
  closed = false
  /** Bun has had to buffer frames for this socket since it last drained (see Sockets.closed: backpressure closes). */
  congested = false
  /** Cancels the auth timeout (set while the socket has not authenticated). */
  authTimer: (() => void) | undefined
  expiryTimer: ReturnType<typeof setTimeout> | undefined
  /** Messages are handled one after another, so a subscribe and the following unsubscribe never race. */
  queue: Promise<void> = Promise.resolve()
  // Allocated on first use: most connections never need them, and 10,000 idle sockets should cost little.
  /** Violation times per kind (rate, invalid), so one kind's window never erases the other's count. */
  private strikes: Map<string, number[]> | null = null
  private drainWaiters: (() => void)[] | null = null
  readonly bucket: TokenBucket

  constructor(
    readonly id: string,
    readonly ws: ServerWebSocket<unknown>,
    readonly remote: string,
    rate: { perSecond: number; burst: number },
    /** The clock the rate limit refills on (the gateway's). */
    now?: () => number,
  ) {
    this.bucket = new TokenBucket(rate.perSecond, rate.burst, now)
  }

  get userId(): string | null {
    return this.principal?.user.id ?? null
  }

  /** Sends a frame of cchub's protocol (translated when the socket speaks a dialect); false when it could not go. */
  send(frame: string): boolean {
    if (this.closed) return false
    return this.dialect ? this.dialect.outbound(JSON.parse(frame)) : this.write(frame)
  }

  /** A frame already parsed (one parse for every dialect socket of a fan-out); dialects translate, never mutate it. */
  sendParsed(envelope: ServerEnvelope): boolean {
    if (this.closed || !this.dialect) return false
    return this.dialect.outbound(envelope)
  }

  /** Writes a frame as it is; false when the socket is gone or Bun dropped it. */
  write(frame: string): boolean {
    if (this.closed) return false
    const r = this.ws.send(frame)
    if (r <= 0) this.congested = true // -1: buffered (backpressure), 0: dropped (closing on the limit)
    if (r === 0) this.cutOff() // Bun only defers that close: nothing may reach this socket after a lost frame
    return r !== 0
  }

  /** Drops the TCP connection at once, discarding what is buffered (a socket that has lost a frame must not go on). */
  cutOff(): void {
    if (this.closed) return
    try {
      this.ws.terminate()
    } catch {
      // already gone
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    try {
      this.ws.close(code, reason)
    } catch {
      // already closing on the other side
    }
  }

  /** Counts a protocol violation; true when there were more than `max` within `windowMs` (time to close). */
  strike(kind: 'rate' | 'invalid', max: number, windowMs: number): boolean {
    const now = Date.now()
    this.strikes ??= new Map()
    const list = (this.strikes.get(kind) ?? []).filter((t) => now - t < windowMs)
    list.push(now)
    this.strikes.set(kind, list)
    return list.length > max
  }

  /** Resolves once the socket's send buffer is below `limit` bytes (or it closed): true, or false after `timeoutMs`. */
  writable(limit: number, timeoutMs: number): Promise<boolean> {
    return until(
      () => this.closed || this.ws.getBufferedAmount() <= limit,
      timeoutMs,
      (wake) => (this.drainWaiters ??= []).push(wake),
    )
  }

  drained(): void {
    this.congested = !this.closed && this.ws.getBufferedAmount() > 0
    const waiters = this.drainWaiters
    this.drainWaiters = null
    for (const w of waiters ?? []) w()
  }

  /** This socket as the target of a replay of `channel`; `joinLive` starts its live delivery (the gateway's). */
  replaySink(joinLive: () => void): ReplaySink {
    const conn = this
    return {
      get closed() {
        return conn.closed
      },
      send: (f) => conn.send(f.frame),
      buffered: () => conn.ws.getBufferedAmount(),
      writable: (limit, timeoutMs) => conn.writable(limit, timeoutMs),
      cutOff: () => conn.cutOff(),
      joinLive,
    }
  }

  clearTimers(): void {
    this.authTimer?.()
    this.authTimer = undefined
    clearTimeout(this.expiryTimer)
  }
}
