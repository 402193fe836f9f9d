// TypeBox schemas for the admin-managed tool policy (/api/v1/admin/tool-policy).
import { t } from 'elysia'
import type { PermissionMode } from '../claude/cli/args.ts'
import { PermissionModeSchema } from '../claude/model.ts'

const Mode = t.Unsafe<PermissionMode>(PermissionModeSchema)

const Rules = (description: string) =>
  t.Array(t.String({ minLength: 1, maxLength: 200 }), { maxItems: 200, description })

export const ToolPolicyBody = t.Object(
  {
    user_tools: Rules(
      'Tool rules a non-admin (role user) may request in `tools`, in the same grammar (e.g. "Read", "Bash(git diff:*)", "mcp__github"); each must be within CCHUB_CLAUDE_ALLOWED_TOOLS',
    ),
    user_permission_modes: t.Array(Mode, {
      maxItems: 10,
      description:
        'permission_mode values a non-admin may request (an omitted mode counts as "default"); bypassPermissions also needs CCHUB_CLAUDE_ALLOW_BYPASS_PERMISSIONS',
    }),
  },
  { title: 'ToolPolicyBody' },
)
export type ToolPolicyBody = typeof ToolPolicyBody.static

export const ToolPolicy = t.Object(
  {
    user_tools: t.Array(t.String()),
    user_permission_modes: t.Array(Mode),
    server_allowed_tools: t.Array(t.String(), {
      description: 'CCHUB_CLAUDE_ALLOWED_TOOLS: the cap for every role, admins included (empty: any tool)',
    }),
    server_allows_bypass_permissions: t.Boolean({ description: 'CCHUB_CLAUDE_ALLOW_BYPASS_PERMISSIONS' }),
    is_default: t.Boolean({ description: 'True until an admin first sets the policy' }),
    updated_at: t.Nullable(t.String({ format: 'date-time' })),
    updated_by: t.Nullable(t.String({ description: 'Id of the admin who last set it' })),
  },
  { title: 'ToolPolicy' },
)
export type ToolPolicy = typeof ToolPolicy.static
