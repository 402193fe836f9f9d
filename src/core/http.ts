// Request ids, the access log and the single error mapper shared by every route.
import { Elysia, ValidationError } from 'elysia'
import { StoreUnavailable } from '../store/store.ts'
import { AppError, errorBody } from './errors.ts'
import { checkJsonDepth } from './json-depth.ts'
import type { Logger } from './logger.ts'

interface RequestInfo {
  id: string
  start: number
  userId?: string
}
const infos = new WeakMap<Request, RequestInfo>()
const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/

/** Per-request facts (id, start, authenticated user) kept beside the Request without touching Elysia's context. */
export function requestInfo(request: Request): RequestInfo {
  let info = infos.get(request)
  if (!info) {
    const given = request.headers.get('x-request-id')
    info = { id: given && SAFE_ID.test(given) ? given : crypto.randomUUID(), start: performance.now() }
    infos.set(request, info)
  }
  return info
}

export function toAppError(code: string | number, error: unknown): AppError {
  if (error instanceof AppError) return error
  // the database is down or restarting: a clear 503 the client may retry (the store reconnects by itself)
  if (error instanceof StoreUnavailable)
    return new AppError('STORE_UNAVAILABLE', 503, 'The database is not reachable right now; try again shortly', {
      headers: { 'retry-after': '5' },
    })
  // A response that fails its own schema is our bug, not the client's: a 500 that shows nothing of the value.
  if (
    (error as { type?: unknown })?.type === 'response' &&
    (error instanceof ValidationError || code === 'VALIDATION')
  ) {
    return new AppError('INTERNAL_ERROR', 500, 'An internal error occurred')
  }
  if (error instanceof ValidationError || code === 'VALIDATION') return validationError(error)
  if (code === 'PARSE')
    return new AppError(
      'INVALID_JSON',
      400,
      'The request body could not be parsed; send valid JSON matching the documented schema',
    )
  if (code === 'NOT_FOUND') return new AppError('NOT_FOUND', 404, 'No such route')
  const status = (error as { status?: unknown })?.status
  if (typeof status === 'number' && status === 413)
    return new AppError('PAYLOAD_TOO_LARGE', 413, 'The request body is too large')
  if (typeof status === 'number' && status === 405) return new AppError('METHOD_NOT_ALLOWED', 405, 'Method not allowed')
  return new AppError('INTERNAL_ERROR', 500, 'An internal error occurred')
}

function validationError(error: unknown): AppError {
  const v = error as ValidationError
  const where = typeof v?.type === 'string' ? v.type : 'request'
  const errors: { path: string; message: string }[] = []
  try {
    for (const e of v.all ?? []) {
      if (errors.length >= 10) break
      const item = e as { path?: string; message?: string; summary?: string }
      errors.push({ path: item.path || '/', message: item.summary ?? item.message ?? 'invalid value' })
    }
  } catch {
    // the detail list is best effort; the code and status are what clients rely on
  }
  const first = errors[0]
  const message = first ? `Invalid ${where}: ${first.path} ${first.message}` : `Invalid ${where}`
  return new AppError('VALIDATION_FAILED', 422, message, { details: { in: where, errors } })
}

/**
 * The stack, except for schema failures, whose message embeds the whole value (a response may carry tokens or keys).
 */
function describeForLog(error: unknown): string {
  if (error instanceof ValidationError) {
    const first = error.valueError as { path?: string; message?: string } | undefined
    return `${error.type} does not match its schema at ${first?.path || '/'}: ${first?.message ?? 'invalid value'}`
  }
  return String((error as Error)?.stack ?? error)
}

/** The peer's address as the socket sees it (X-Forwarded-For is not trusted), for per-address limits. */
export function clientAddress(
  server: { requestIP(request: Request): { address: string } | null } | null | undefined,
  request: Request,
): string {
  return server?.requestIP(request)?.address ?? 'local'
}

/**
 * The path as logged: the query is dropped (it may carry ?token=), and in paths matching one of `secretPaths` the part
 * after the pattern's first group (a share-link token, say) becomes [redacted].
 */
export function loggedPath(request: Request, secretPaths: readonly RegExp[]): string {
  let path = new URL(request.url).pathname
  for (const re of secretPaths) path = path.replace(re, (_match, keep: string) => `${keep}[redacted]`)
  return path
}

export interface BodyLimit {
  /** Largest body, by Content-Length, of any route not in `streamed`. */
  maxBytes: number
  /** Paths whose handlers read the body as a stream and enforce their own limit (file uploads). */
  streamed: ReadonlySet<string>
}

/**
 * Bun's own maxRequestBodySize answers an empty 413 before the app sees the request, so it is set far above this:
 * here an oversized body gets the error shape, and a chunked body (no Content-Length, so no size to check up front)
 * is refused on routes that would buffer it whole.
 */
function checkBody(request: Request, limit: BodyLimit): void {
  const length = request.headers.get('content-length')
  const chunked = length === null && /chunked/i.test(request.headers.get('transfer-encoding') ?? '')
  if (length === null ? !chunked : Number(length) <= limit.maxBytes) return
  if (limit.streamed.has(new URL(request.url).pathname)) return
  if (chunked)
    throw new AppError(
      'LENGTH_REQUIRED',
      411,
      'Send the body with a Content-Length: only file uploads take chunked bodies',
    )
  throw new AppError(
    'PAYLOAD_TOO_LARGE',
    413,
    `The request body is larger than ${limit.maxBytes} bytes (CCHUB_MAX_BODY_BYTES)`,
  )
}

/**
 * Global plugin: X-Request-Id on every response, body limits (size and nesting), one log line per request, every error
 * in the one JSON shape. `secretPaths` are routes with a credential in the path, redacted in the logs (see loggedPath).
 */
export function httpCore(logger: Logger, limit: BodyLimit, secretPaths: readonly RegExp[] = []) {
  return (
    new Elysia({ name: 'http-core' })
      .onRequest(({ request, set }) => {
        set.headers['x-request-id'] = requestInfo(request).id
        checkBody(request, limit)
      })
      // after parsing, before validation and any handler: a too-deep body is refused before anything is created from it
      .onTransform({ as: 'global' }, ({ body }) => checkJsonDepth(body, 'body'))
      .onError({ as: 'global' }, ({ code, error, request, set }) => {
        const info = requestInfo(request)
        const appError = toAppError(code, error)
        if (appError.status >= 500) {
          logger.error('request failed', {
            request_id: info.id,
            path: loggedPath(request, secretPaths),
            error: describeForLog(error),
          })
        }
        set.status = appError.status
        set.headers['x-request-id'] = info.id
        set.headers['content-type'] = 'application/json'
        Object.assign(set.headers, appError.headers ?? {})
        return errorBody(appError, info.id)
      })
      .onAfterResponse({ as: 'global' }, ({ request, set }) => {
        const info = requestInfo(request)
        logger.info('request', {
          method: request.method,
          path: loggedPath(request, secretPaths),
          status: typeof set.status === 'number' ? set.status : 200,
          ms: Math.round((performance.now() - info.start) * 100) / 100,
          request_id: info.id,
          user_id: info.userId ?? null,
        })
      })
  )
}
