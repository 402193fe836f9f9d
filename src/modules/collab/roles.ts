// Session role ranks and the shared timing knobs of the collaboration module.
import type { SessionRole } from '../../store/records.ts'

export const RANK: Record<SessionRole, number> = { viewer: 1, collaborator: 2, owner: 3 }
export const atLeast = (role: SessionRole | null, min: SessionRole) => role !== null && RANK[role] >= RANK[min]

/** Mutable on purpose: tests shorten the timers on a running server (services.collab.timing). */
export interface CollabTiming {
  /** A dropped socket's user stays present this long (the heartbeat timeout), so a blip + reconnect does not flap. */
  presenceGraceMs: number
  /** A `typing` start without a refresh turns into a stop after this long. */
  typingTtlMs: number
  /** Repeats of the same typing state from one socket closer than this are dropped. */
  typingMinIntervalMs: number
  /** Session events included in session_state. */
  historyLimit: number
  /** Largest shared document, in UTF-16 code units. */
  maxDocChars: number
}

export const defaultTiming = (wsPingIntervalS: number): CollabTiming => ({
  presenceGraceMs: Math.round(wsPingIntervalS * 2 * 1000),
  typingTtlMs: 5000,
  typingMinIntervalMs: 300,
  historyLimit: 50,
  maxDocChars: 1_000_000,
})
