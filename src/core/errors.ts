// The one error type services throw, its stable codes, and the JSON shape every client sees.
import { Type, type Static } from '@sinclair/typebox'

export const ErrorCode = {
  BAD_REQUEST: 400,
  UNKNOWN_MESSAGE_TYPE: 400,
  INVALID_JSON: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REVOKED: 401,
  FORBIDDEN: 403,
  USER_DISABLED: 403,
  ORIGIN_NOT_ALLOWED: 403,
  SANDBOX_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  SESSION_CLOSED: 409,
  ALREADY_RESOLVED: 409,
  NO_LIVE_PROCESS: 409,
  WORKSPACE_OVERLAP: 409,
  LENGTH_REQUIRED: 411,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** 400 when a required field is missing (src/core/http.ts), 422 when a value is refused. */
  VALIDATION_FAILED: 422,
  INVALID_PATH: 422,
  REPLAY_UNAVAILABLE: 410,
  RATE_LIMITED: 429,
  TOO_MANY_CONNECTIONS: 503,
  CLAUDE_UNAVAILABLE: 503,
  NODE_UNAVAILABLE: 503,
  WORKSPACE_UNREACHABLE: 503,
  STORE_UNAVAILABLE: 503,
  REDIS_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const

export type ErrorCodeName = keyof typeof ErrorCode

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'Stable upper-case error code', examples: ['NOT_FOUND'] }),
    message: Type.String({ description: 'Human-readable explanation' }),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    trace_id: Type.String({ description: 'Equals the X-Request-Id response header' }),
    timestamp: Type.String({ format: 'date-time' }),
  },
  { $id: '#/components/schemas/Error', title: 'Error' },
)
export type ErrorBody = Static<typeof ErrorBody>

/** Thrown by services; mapped to `ErrorBody` by the single error handler (REST) and the gateway (WebSocket). */
export class AppError extends Error {
  readonly code: string
  readonly status: number
  readonly details?: Record<string, unknown>
  readonly headers?: Record<string, string>

  constructor(
    code: ErrorCodeName | (string & {}),
    status?: number,
    message?: string,
    extra?: { details?: Record<string, unknown>; headers?: Record<string, string> },
  ) {
    super(message ?? code)
    this.name = 'AppError'
    this.code = code
    this.status = status ?? ErrorCode[code as ErrorCodeName] ?? 500
    this.details = extra?.details
    this.headers = extra?.headers
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', 404, `${what} not found`)
export const forbidden = (message = 'You do not have access to this resource') =>
  new AppError('FORBIDDEN', 403, message)
export const conflict = (message: string) => new AppError('CONFLICT', 409, message)
export const invalid = (message: string, details?: Record<string, unknown>) =>
  new AppError('VALIDATION_FAILED', 422, message, { details })

export function errorBody(err: AppError, traceId: string): ErrorBody {
  const body: ErrorBody = {
    code: err.code,
    message: err.message,
    trace_id: traceId,
    timestamp: new Date().toISOString(),
  }
  if (err.details) body.details = err.details
  return body
}
