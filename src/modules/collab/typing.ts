// Typing indicators: relayed live to the other sockets of the session, never stored, rate-limited, self-expiring.
import type { Clock } from '../../core/clock.ts'
import type { UserRecord } from '../../store/records.ts'
import { sessionChannel } from '../realtime/channels.ts'
import type { Connection } from '../realtime/connection.ts'
import type { Gateway } from '../realtime/gateway.ts'
import { sendToSession } from './live.ts'
import type { CollabTiming } from './roles.ts'

export type TypingState = 'start' | 'stop'

export class Typing {
  private readonly last = new WeakMap<Connection, { at: number; state: TypingState }>()
  /** One expiry timer (its cancel) per (session, user): a start that is not refreshed turns into a stop by itself. */
  private readonly timers = new Map<string, () => void>()

  constructor(
    private readonly gateway: Gateway,
    private readonly timing: CollabTiming,
    private readonly clock: Clock,
  ) {}

  /**
   * Relays the state to the session's other sockets; false when dropped by the rate limit. Only repeats of the same
   * state are limited, so a stop right after a start still gets through (else others would see a stale indicator).
   */
  signal(conn: Connection, sessionId: string, user: UserRecord, state: TypingState): boolean {
    const now = this.clock.now()
    const prev = this.last.get(conn)
    if (prev && prev.state === state && now - prev.at < this.timing.typingMinIntervalMs) return false
    this.last.set(conn, { at: now, state })
    const data = { session_id: sessionId, user_id: user.id, username: user.username, state }
    this.gateway.relayToOthers(conn, sessionChannel(sessionId), 'typing', data)
    const key = `${sessionId}\0${user.id}`
    this.forget(sessionId, user.id)
    if (state === 'start') {
      const cancel = this.clock.after(this.timing.typingTtlMs, () => {
        this.timers.delete(key)
        // to every socket of the session, on every node: the one that started typing may be gone by now
        const stop = { ...data, state: 'stop', expired: true }
        sendToSession(this.gateway, sessionId, 'typing', stop)
        this.gateway.shareLive(sessionChannel(sessionId), 'typing', stop)
      })
      this.timers.set(key, cancel)
    }
    return true
  }

  /** The user left the session: their indicator is implied off by participant_left, so just drop the timer. */
  forget(sessionId: string, userId: string): void {
    const key = `${sessionId}\0${userId}`
    this.timers.get(key)?.()
    this.timers.delete(key)
  }
}
