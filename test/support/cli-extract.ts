// Extractors only the tests read: event keys, session ids, retries, control responses, assistant text.
import type { CliJsonEvent } from '../../src/modules/claude/cli/stream-parser.ts'
import { getTextDelta } from '../../src/modules/claude/cli/extract.ts'

// The server's extractors are in src/modules/claude/cli/extract.ts.

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const nullableNum = (v: unknown): number | null | undefined => (v === null ? null : num(v))

/** "type" or "type:subtype", e.g. "system:init", "result", "stream_event". */
export function eventKey(event: CliJsonEvent): string {
  const type = str(event.type) ?? ''
  const subtype = str(event.subtype)
  return type === 'system' && subtype !== undefined ? `${type}:${subtype}` : type
}

/** session_id carried by nearly every event (not by control_response). */
export function getSessionId(event: CliJsonEvent): string | undefined {
  return str(event.session_id)
}

export function isTextDelta(event: CliJsonEvent): boolean {
  return getTextDelta(event) !== undefined
}

export interface ApiRetryInfo {
  attempt: number | undefined
  maxRetries: number | undefined
  retryDelayMs: number | undefined
  errorStatus: number | null | undefined
  error: string | undefined
}

/** Fields of system/api_retry (the CLI is about to retry a failed API call). */
export function getApiRetry(event: CliJsonEvent): ApiRetryInfo | undefined {
  if (event.type !== 'system' || event.subtype !== 'api_retry') return undefined
  return {
    attempt: num(event.attempt),
    maxRetries: num(event.max_retries),
    retryDelayMs: num(event.retry_delay_ms),
    errorStatus: nullableNum(event.error_status),
    error: str(event.error),
  }
}

export interface ControlResponseInfo {
  requestId: string
  ok: boolean
  error: string | undefined
  response: unknown
}

/** Answer to a control_request we wrote to stdin (e.g. interrupt). */
export function getControlResponse(event: CliJsonEvent): ControlResponseInfo | undefined {
  if (event.type !== 'control_response' || !isRecord(event.response)) return undefined
  const requestId = str(event.response.request_id)
  if (requestId === undefined) return undefined
  return {
    requestId,
    ok: event.response.subtype === 'success',
    error: str(event.response.error),
    response: event.response.response,
  }
}

/** Concatenated text blocks of an assistant event. */
export function getAssistantText(event: CliJsonEvent): string | undefined {
  if (event.type !== 'assistant' || !isRecord(event.message) || !Array.isArray(event.message.content)) return undefined
  return event.message.content
    .filter(isRecord)
    .filter((b) => b.type === 'text')
    .map((b) => str(b.text) ?? '')
    .join('')
}
