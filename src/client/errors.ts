// The client's one error type: a stable `code` (the server's, or TIMEOUT/DISCONNECTED/CLOSED) and a message.
export type ClientErrorCode = 'TIMEOUT' | 'DISCONNECTED' | 'CLOSED' | 'AUTH_FAILED' | 'UNSUBSCRIBED'

export class CchubError extends Error {
  override readonly name = 'CchubError'

  constructor(
    readonly code: ClientErrorCode | (string & {}),
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
  }

  /** From a server `error` frame's data; tolerant of malformed data so a bad frame still rejects cleanly. */
  static fromData(data: unknown): CchubError {
    const d = (data ?? {}) as { code?: unknown; message?: unknown; details?: unknown }
    const details = d.details && typeof d.details === 'object' ? (d.details as Record<string, unknown>) : undefined
    return new CchubError(
      typeof d.code === 'string' ? d.code : 'UNKNOWN',
      typeof d.message === 'string' ? d.message : 'Server error',
      details,
    )
  }
}

/** Server error codes after which repeating the same request cannot succeed. */
export const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'FORBIDDEN',
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'UNKNOWN_MESSAGE_TYPE',
  'INVALID_JSON',
])

/** Anything thrown, as an Error: token providers and application callbacks may throw non-Errors. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
