// Builds the argv for a headless Claude CLI run (flags verified against CLI 2.1.197 --help and the 2.1.330 binary).

/**
 * Accepted by both 2.1.197 and 2.1.330, except: "manual" is new in 2.1.330 (2.1.197 rejects it),
 * and 2.1.330 no longer lists "default" in --help but still accepts it (reported as "default" in system/init).
 */
export const PERMISSION_MODES = [
  'default',
  'acceptEdits',
  'plan',
  'bypassPermissions',
  'dontAsk',
  'auto',
  'manual',
] as const
export type PermissionMode = (typeof PERMISSION_MODES)[number]

export interface CliArgsOptions {
  /**
   * 'prompt': one turn, the prompt goes in argv and the process exits after the result.
   * 'stream-json': long-lived; user turns and control requests are written to stdin as JSON lines.
   */
  input: { mode: 'prompt'; prompt: string } | { mode: 'stream-json' }
  /** Emit stream_event lines (token deltas). Default true. */
  includePartialMessages?: boolean
  /** Continue an existing conversation (a session UUID printed in system/init). */
  resume?: string
  /** Force the id of a NEW session; the CLI refuses an id that already has a transcript. */
  sessionId?: string
  /** With resume: write the continuation under a new session id instead of appending. */
  forkSession?: boolean
  /** Stop after this many model turns (result subtype "error_max_turns"); must be >= 1. */
  maxTurns?: number
  /** Tool rules such as "Bash", "Write", "Bash(git diff:*)". */
  allowedTools?: string[]
  disallowedTools?: string[]
  permissionMode?: PermissionMode
  /**
   * 'stdio': a tool call that needs approval becomes a control_request on stdout, answered on stdin (stream-json only).
   */
  permissionPromptTool?: 'stdio'
  model?: string
  /** Replaces the default system prompt. */
  systemPrompt?: string
  /** Appended to the (default or replaced) system prompt. */
  appendSystemPrompt?: string
}

export class CliArgsError extends Error {
  override name = 'CliArgsError'
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function assertUuid(value: string, flag: string): void {
  // The CLI requires a UUID for --session-id; for --resume it would also accept a session *name*,
  // which we never want to match by accident.
  if (!UUID_RE.test(value)) throw new CliArgsError(`${flag} must be a session UUID, got ${JSON.stringify(value)}`)
}

function assertToolRules(rules: string[], flag: string): void {
  for (const rule of rules) {
    // A rule starting with '-' would be parsed as the next option by the CLI's variadic parser.
    if (rule.trim() === '' || rule.startsWith('-'))
      throw new CliArgsError(`${flag}: invalid tool rule ${JSON.stringify(rule)}`)
  }
}

function validate(opts: CliArgsOptions): void {
  if (opts.input.mode === 'prompt' && opts.input.prompt.trim() === '')
    throw new CliArgsError('prompt must not be empty')
  if (opts.resume !== undefined) assertUuid(opts.resume, '--resume')
  if (opts.sessionId !== undefined) assertUuid(opts.sessionId, '--session-id')
  // Verified: "Error: --session-id with --continue or --resume also needs --fork-session."
  if (opts.resume !== undefined && opts.sessionId !== undefined && opts.forkSession !== true) {
    throw new CliArgsError('sessionId together with resume requires forkSession')
  }
  if (opts.forkSession === true && opts.resume === undefined) throw new CliArgsError('forkSession requires resume')
  if (opts.permissionPromptTool !== undefined && opts.input.mode !== 'stream-json')
    throw new CliArgsError('permissionPromptTool stdio needs stream-json input')
  // --max-turns 0 is silently treated as "no limit" by the CLI, so reject it here.
  if (opts.maxTurns !== undefined && (!Number.isInteger(opts.maxTurns) || opts.maxTurns < 1)) {
    throw new CliArgsError(`maxTurns must be an integer >= 1, got ${opts.maxTurns}`)
  }
  if (opts.permissionMode !== undefined && !PERMISSION_MODES.includes(opts.permissionMode)) {
    throw new CliArgsError(`unknown permission mode ${JSON.stringify(opts.permissionMode)}`)
  }
  if (opts.allowedTools) assertToolRules(opts.allowedTools, '--allowedTools')
  if (opts.disallowedTools) assertToolRules(opts.disallowedTools, '--disallowedTools')
}

function valueFlags(opts: CliArgsOptions): string[] {
  const out: string[] = []
  const add = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined) out.push(flag, String(value))
  }
  add('--resume', opts.resume)
  if (opts.forkSession === true) out.push('--fork-session')
  add('--session-id', opts.sessionId)
  add('--max-turns', opts.maxTurns)
  add('--permission-mode', opts.permissionMode)
  add('--permission-prompt-tool', opts.permissionPromptTool)
  add('--model', opts.model)
  add('--system-prompt', opts.systemPrompt)
  add('--append-system-prompt', opts.appendSystemPrompt)
  return out
}

/**
 * argv (without the binary) for `claude`. Output is always stream-json, which the CLI only
 * allows together with --verbose. Variadic tool lists come last and the prompt follows "--",
 * so neither a tool list nor a prompt starting with "-" can be misparsed.
 */
export function buildCliArgs(opts: CliArgsOptions): string[] {
  validate(opts)
  const args = ['-p', '--output-format', 'stream-json', '--verbose']
  if (opts.includePartialMessages !== false) args.push('--include-partial-messages')
  if (opts.input.mode === 'stream-json') args.push('--input-format', 'stream-json')
  args.push(...valueFlags(opts))
  if (opts.allowedTools && opts.allowedTools.length > 0) args.push('--allowedTools', ...opts.allowedTools)
  if (opts.disallowedTools && opts.disallowedTools.length > 0) args.push('--disallowedTools', ...opts.disallowedTools)
  if (opts.input.mode === 'prompt') args.push('--', opts.input.prompt)
  return args
}
