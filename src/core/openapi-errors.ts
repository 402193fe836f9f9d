// Error responses for route schemas, so every documented route shows the one error shape.
import { ErrorBody } from './errors.ts'

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request: bad JSON, or a required field missing (VALIDATION_FAILED)',
  401: 'Missing, invalid, expired or revoked credentials',
  403: 'Authenticated but not allowed',
  404: 'Not found (or not visible to you)',
  409: 'Conflicts with the current state',
  411: 'A chunked body where a Content-Length is required',
  413: 'Payload too large',
  422: 'Validation failed: a field has a value the schema refuses',
  429: 'Rate limited; see Retry-After',
  500: 'Internal error',
}

/** `{ 401: ErrorBody, 404: ErrorBody, … }` for a route's `response` option. */
export function errors<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof ErrorBody } {
  const out: Record<number, typeof ErrorBody> = {}
  for (const s of [...statuses, 400, 422, 500])
    out[s] = { ...ErrorBody, description: DESCRIPTIONS[s] ?? 'Error' } as typeof ErrorBody
  return out as { [K in S[number]]: typeof ErrorBody }
}
