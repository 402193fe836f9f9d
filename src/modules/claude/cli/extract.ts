// Reads the fields the server relies on out of parsed CLI events: init, result and text deltas.
import type { CliJsonEvent } from './stream-parser.ts'

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

export interface InitInfo {
  sessionId: string
  model: string | undefined
  tools: string[]
  cwd: string | undefined
  permissionMode: string | undefined
  claudeCodeVersion: string | undefined
  mcpServers: unknown[]
}

/** Fields of system/init; undefined for any other event. */
export function getInit(event: CliJsonEvent): InitInfo | undefined {
  if (event.type !== 'system' || event.subtype !== 'init') return undefined
  const sessionId = str(event.session_id)
  if (sessionId === undefined) return undefined
  return {
    sessionId,
    model: str(event.model),
    tools: strings(event.tools),
    cwd: str(event.cwd),
    permissionMode: str(event.permissionMode),
    claudeCodeVersion: str(event.claude_code_version),
    mcpServers: Array.isArray(event.mcp_servers) ? event.mcp_servers : [],
  }
}

export interface ResultUsage {
  inputTokens: number
  outputTokens: number
  cacheCreationInputTokens: number
  cacheReadInputTokens: number
  /** The CLI's usage object, untouched. */
  raw: Record<string, unknown>
}

export interface PermissionDenialInfo {
  toolName: string
  toolUseId: string
  toolInput: unknown
}

export interface ResultInfo {
  sessionId: string | undefined
  /** "success" | "error_during_execution" | "error_max_turns" | ... */
  subtype: string
  isError: boolean
  numTurns: number | undefined
  /**
   * Cumulative for the session: grows across turns of one stream-json process and (2.1.330)
   * even across --resume processes. Not the cost of this turn.
   */
  totalCostUsd: number | undefined
  /** Cost of this turn alone, from model_usage_since_last_result (2.1.330+); undefined on 2.1.197. */
  turnCostUsd: number | undefined
  durationMs: number | undefined
  durationApiMs: number | undefined
  usage: ResultUsage | undefined
  permissionDenials: PermissionDenialInfo[]
  /** Final text; absent on error_* subtypes. For API errors it holds the error message. */
  result: string | undefined
  /** HTTP status of a failed API call (401, 429, 500, 529...); null/undefined otherwise. */
  apiErrorStatus: number | null | undefined
  stopReason: string | null | undefined
  /** "completed" | "api_error" | "max_turns" | "aborted_streaming" | "prompt_too_long" | ... */
  terminalReason: string | null | undefined
  errors: string[]
}

function usageOf(value: unknown): ResultUsage | undefined {
  if (!isRecord(value)) return undefined
  return {
    inputTokens: num(value.input_tokens) ?? 0,
    outputTokens: num(value.output_tokens) ?? 0,
    cacheCreationInputTokens: num(value.cache_creation_input_tokens) ?? 0,
    cacheReadInputTokens: num(value.cache_read_input_tokens) ?? 0,
    raw: value,
  }
}

function denialsOf(value: unknown): PermissionDenialInfo[] {
  if (!Array.isArray(value)) return []
  return value.filter(isRecord).map((d) => ({
    toolName: str(d.tool_name) ?? '',
    toolUseId: str(d.tool_use_id) ?? '',
    toolInput: d.tool_input,
  }))
}

function nullableNum(value: unknown): number | null | undefined {
  return value === null ? null : num(value)
}

function nullableStr(value: unknown): string | null | undefined {
  return value === null ? null : str(value)
}

function turnCostOf(value: unknown): number | undefined {
  if (!isRecord(value)) return undefined
  let total = 0
  for (const usage of Object.values(value)) total += isRecord(usage) ? (num(usage.costUSD) ?? 0) : 0
  return total
}

/** Fields of a result event; undefined for any other event. */
export function getResult(event: CliJsonEvent): ResultInfo | undefined {
  if (event.type !== 'result') return undefined
  return {
    sessionId: str(event.session_id),
    subtype: str(event.subtype) ?? 'unknown',
    isError: event.is_error === true,
    numTurns: num(event.num_turns),
    totalCostUsd: num(event.total_cost_usd),
    turnCostUsd: turnCostOf(event.model_usage_since_last_result),
    durationMs: num(event.duration_ms),
    durationApiMs: num(event.duration_api_ms),
    usage: usageOf(event.usage),
    permissionDenials: denialsOf(event.permission_denials),
    result: str(event.result),
    apiErrorStatus: nullableNum(event.api_error_status),
    stopReason: nullableStr(event.stop_reason),
    terminalReason: nullableStr(event.terminal_reason),
    errors: strings(event.errors),
  }
}

/** The inner Anthropic SSE event of a stream_event line. */
function getStreamEvent(event: CliJsonEvent): Record<string, unknown> | undefined {
  if (event.type !== 'stream_event' || !isRecord(event.event)) return undefined
  return event.event
}

/** Text of a stream_event content_block_delta/text_delta; undefined for anything else. */
export function getTextDelta(event: CliJsonEvent): string | undefined {
  const inner = getStreamEvent(event)
  if (inner?.type !== 'content_block_delta' || !isRecord(inner.delta)) return undefined
  return inner.delta.type === 'text_delta' ? str(inner.delta.text) : undefined
}
