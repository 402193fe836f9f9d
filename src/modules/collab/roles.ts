// Session role ranks and the timing and size options of the collaboration module (defaults in one place).
import type { SessionRole } from '../../store/records.ts'

export const RANK: Record<SessionRole, number> = { viewer: 1, collaborator: 2, owner: 3 }
export const atLeast = (role: SessionRole | null, min: SessionRole) => role !== null && RANK[role] >= RANK[min]

/** Options of the collaboration services, fixed when they are built (time itself comes from the injected Clock). */
export interface CollabTiming {
  /** A dropped socket's user stays present this long (the heartbeat timeout), so a blip + reconnect does not flap. */
  readonly presenceGraceMs: number
  /** A `typing` start without a refresh turns into a stop after this long. */
  readonly typingTtlMs: number
  /** Repeats of the same typing state from one socket closer than this are dropped. */
  readonly typingMinIntervalMs: number
  /** Session events included in session_state. */
  readonly historyLimit: number
  /** Largest shared document, in UTF-16 code units. */
  readonly maxDocChars: number
}

export const defaultTiming = (wsPingIntervalS: number, overrides: Partial<CollabTiming> = {}): CollabTiming => ({
  presenceGraceMs: Math.round(wsPingIntervalS * 2 * 1000),
  typingTtlMs: 5000,
  typingMinIntervalMs: 300,
  historyLimit: 50,
  maxDocChars: 1_000_000,
  ...overrides,
})
