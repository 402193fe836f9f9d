// Public entry of the cchub real-time client (package export "./client"): browsers and Bun, no dependencies.
export { CchubClient, type RequestMessage } from './client.ts'
export { CchubError, type ClientErrorCode } from './errors.ts'
export { Backoff, type BackoffOptions } from './backoff.ts'
export { CloseCode } from './close-codes.ts'
export type * from './types.ts'
