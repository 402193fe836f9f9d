// The tool policy: the server-wide cap (config) and the admin-managed per-role default, applied to every execute.
import { Value } from '@sinclair/typebox/value'
import type { Config } from '../../config/schema.ts'
import { AppError, invalid } from '../../core/errors.ts'
import type { UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { PermissionMode } from '../claude/cli/args.ts'
import { allows, parseToolRules, type ToolRule } from '../claude/cli/tool-rules.ts'
import { ToolPolicyBody, type ToolPolicy } from './model.ts'

const KEY = 'claude.tool_policy'
/**
 * Safe default for role `user`: reading, searching and editing files in the workspace. Not Bash (runs commands),
 * WebFetch/WebSearch (network), Agent/Task (sub-agents), MCP tools (anything the server runs) or
 * auto/bypassPermissions.
 */
export const DEFAULT_USER_POLICY: ToolPolicyBody = {
  user_tools: ['Read', 'Glob', 'Grep', 'LS', 'TodoWrite', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit'],
  user_permission_modes: ['default', 'acceptEdits', 'plan', 'dontAsk', 'manual'],
}
const ROLE_SOURCE = 'the admin tool policy for role user (GET /api/v1/admin/tool-policy)'
const CAP_SOURCE = "the server's allow-list (CCHUB_CLAUDE_ALLOWED_TOOLS)"

export class ToolPolicyService {
  /** Parsed once: config is validated at start with the same parser. */
  private readonly cap: ToolRule[]

  constructor(
    private readonly store: Store,
    private readonly config: Pick<Config, 'claudeAllowedTools' | 'claudeAllowBypassPermissions'>,
  ) {
    this.cap = parseToolRules(config.claudeAllowedTools, 'CCHUB_CLAUDE_ALLOWED_TOOLS entry ')
  }

  async get(): Promise<ToolPolicy> {
    const row = await this.store.settings.get(KEY)
    const stored = row ? (JSON.parse(row.value) as unknown) : null
    // a row this version cannot read falls back to the safe default rather than to "anything"
    const policy = stored !== null && Value.Check(ToolPolicyBody, stored) ? stored : DEFAULT_USER_POLICY
    return {
      user_tools: policy.user_tools,
      user_permission_modes: policy.user_permission_modes,
      server_allowed_tools: this.cap.map((r) => r.text),
      server_allows_bypass_permissions: this.config.claudeAllowBypassPermissions,
      is_default: policy === DEFAULT_USER_POLICY,
      updated_at: row && policy !== DEFAULT_USER_POLICY ? new Date(row.updated_at).toISOString() : null,
      updated_by: row && policy !== DEFAULT_USER_POLICY ? row.updated_by : null,
    }
  }

  async put(admin: UserRecord, body: ToolPolicyBody): Promise<ToolPolicy> {
    const rules = parseToolRules(body.user_tools, 'user_tools entry ')
    const outside = rules.filter((r) => this.cap.length > 0 && !allows(this.cap, r)).map((r) => r.text)
    if (outside.length) throw invalid(`user_tools ${outside.join(', ')} not within ${CAP_SOURCE}`, { tools: outside })
    const value: ToolPolicyBody = {
      user_tools: rules.map((r) => r.text),
      user_permission_modes: [...new Set(body.user_permission_modes)],
    }
    await this.store.settings.put({
      key: KEY,
      value: JSON.stringify(value),
      updated_by: admin.id,
      updated_at: Date.now(),
    })
    return this.get()
  }

  /**
   * Checks an execute request's `tools` and `permission_mode` for `user` and returns the rules the CLI gets, one argv
   * entry each (undefined when the request named none): 422 for an ambiguous entry, 403 naming the refused rule and
   * the rule's source. Admins are limited by the server cap only; role `user` also by the stored policy.
   */
  async check(
    user: UserRecord,
    tools: readonly string[] | undefined,
    mode: PermissionMode | undefined,
  ): Promise<string[] | undefined> {
    const rules = parseToolRules(tools ?? [])
    for (const rule of rules) if (this.cap.length > 0 && !allows(this.cap, rule)) throw refused(rule, CAP_SOURCE)
    if (mode === 'bypassPermissions' && !this.config.claudeAllowBypassPermissions) {
      throw new AppError(
        'FORBIDDEN',
        403,
        'permission_mode bypassPermissions is disabled on this server (CCHUB_CLAUDE_ALLOW_BYPASS_PERMISSIONS)',
      )
    }
    if (user.role !== 'admin') {
      const policy = await this.get()
      const mine = parseToolRules(policy.user_tools)
      for (const rule of rules) if (!allows(mine, rule)) throw refused(rule, ROLE_SOURCE)
      if (!policy.user_permission_modes.includes(mode ?? 'default')) {
        throw new AppError('FORBIDDEN', 403, `permission_mode ${mode ?? 'default'} is not allowed by ${ROLE_SOURCE}`, {
          details: { permission_mode: mode ?? 'default', source: 'role' },
        })
      }
    }
    return tools === undefined ? undefined : rules.map((r) => r.text)
  }
}

function refused(rule: ToolRule, source: string): AppError {
  const from = rule.entry === rule.text ? '' : ` (from the entry ${JSON.stringify(rule.entry)})`
  return new AppError('FORBIDDEN', 403, `Tool ${rule.text}${from} is not allowed by ${source}`, {
    details: { tool: rule.tool, rule: rule.text, entry: rule.entry, source: source === CAP_SOURCE ? 'server' : 'role' },
  })
}
