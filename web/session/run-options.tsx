// Model and permission-mode pickers of the prompt box; the server decides, and its refusal shows where the prompt was.
import { PERMISSION_MODES } from '../../src/modules/claude/cli/args.ts'
import { me } from '../lib/auth.ts'

export interface RunOptions {
  model?: string
  permission_mode?: string
}

/** The CLI's aliases; empty = the server's default model. */
const MODELS = ['', 'sonnet', 'opus', 'haiku']
/**
 * Users' allowed modes are in the admin-only tool policy, so users are offered the everyday ones and the server's
 * refusal names the policy; admins, whom the policy does not bind, get every mode the CLI knows.
 */
const USER_MODES = ['default', 'plan', 'acceptEdits']

export function RunPickers({ value, onChange }: { value: RunOptions; onChange: (v: RunOptions) => void }) {
  const modes = me.value?.role === 'admin' ? PERMISSION_MODES : USER_MODES
  return (
    <div class="run-options">
      <select
        aria-label="Model"
        value={value.model ?? ''}
        onChange={(e) => onChange({ ...value, model: e.currentTarget.value || undefined })}
      >
        {MODELS.map((m) => (
          <option key={m} value={m}>
            {m || 'default model'}
          </option>
        ))}
      </select>
      <select
        aria-label="Permission mode"
        value={value.permission_mode ?? 'default'}
        onChange={(e) => onChange({ ...value, permission_mode: e.currentTarget.value })}
      >
        {modes.map((m) => (
          <option key={m} value={m}>
            {m === 'default' ? 'ask before acting (default)' : m}
          </option>
        ))}
      </select>
    </div>
  )
}

/** The execute body's fields for the chosen options (nothing for the defaults, so the server's own apply). */
export function runFields(o: RunOptions): RunOptions {
  return {
    ...(o.model ? { model: o.model } : {}),
    ...(o.permission_mode && o.permission_mode !== 'default' ? { permission_mode: o.permission_mode } : {}),
  }
}
