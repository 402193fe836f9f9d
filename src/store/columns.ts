// What both stores agree on per table: the columns an update may set and the ones kept as JSON text.

export const USER_UPDATABLE = [
  'username',
  'password_hash',
  'role',
  'display_name',
  'email',
  'disabled',
  'tokens_valid_after',
  'updated_at',
] as const

export const SESSION_JSON = ['usage'] as const
export const SESSION_UPDATABLE = [
  'title',
  'cli_session_id',
  'status',
  'model',
  'total_cost_usd',
  'usage',
  'updated_at',
  'closed_at',
  'owner_id',
] as const

export const EXECUTION_JSON = ['options', 'usage', 'permission_denials'] as const
export const EXECUTION_UPDATABLE = [
  'status',
  'error',
  'exit_code',
  'num_turns',
  'message_count',
  'total_cost_usd',
  'usage',
  'stderr',
  'permission_denials',
  'started_at',
  'finished_at',
  'pid',
  'pid_start',
] as const

export const PERMISSION_JSON = ['input', 'request', 'response'] as const
