// Plain records the Store reads and writes; times are epoch milliseconds, ids are UUIDv7 strings.
export type Role = 'admin' | 'user'
export type SessionRole = 'owner' | 'collaborator' | 'viewer'

export interface UserRecord {
  id: string
  username: string
  password_hash: string
  role: Role
  display_name: string | null
  email: string | null
  disabled: boolean
  /** When the password last changed (ms; 0: never): tokens issued before it are refused. */
  tokens_valid_after: number
  created_at: number
  updated_at: number
}

export interface ApiKeyRecord {
  id: string
  user_id: string
  name: string
  prefix: string
  key_hash: string
  created_at: number
  last_used_at: number | null
  expires_at: number | null
  revoked_at: number | null
}

export interface WorkspaceRecord {
  id: string
  name: string
  path: string
  owner_id: string
  managed: boolean
  description: string | null
  created_at: number
  updated_at: number
}

export interface WorkspaceMemberRecord {
  workspace_id: string
  user_id: string
  session_role: Exclude<SessionRole, 'owner'>
  created_at: number
}

/** One message of a durable channel; `seq` is gap-free and increasing per channel, starting at 1. */
export interface EventRecord {
  channel: string
  seq: number
  type: string
  data: string
  ts: number
}

export type SessionStatus = 'active' | 'closed'
export interface SessionRecord {
  id: string
  workspace_id: string
  owner_id: string
  title: string | null
  /** The Claude CLI's own session id (from its system/init event), used with --resume. */
  cli_session_id: string | null
  status: SessionStatus
  model: string | null
  total_cost_usd: number
  usage: Record<string, number>
  created_at: number
  updated_at: number
  closed_at: number | null
}

export interface ParticipantRecord {
  session_id: string
  user_id: string
  role: SessionRole
  created_at: number
}

/** `waiting_for_permission`: running, with a permission request (tool, question, plan) waiting for an answer. */
export type ExecutionStatus =
  | 'queued'
  | 'running'
  | 'waiting_for_permission'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timed_out'
  | 'interrupted'

/** The statuses of an execution some node still holds (queued, or with a CLI process working on it). */
export const UNFINISHED_STATUSES: readonly ExecutionStatus[] = ['queued', 'running', 'waiting_for_permission']

export interface ExecutionRecord {
  id: string
  session_id: string
  workspace_id: string
  user_id: string
  prompt: string
  options: Record<string, unknown>
  status: ExecutionStatus
  error: string | null
  exit_code: number | null
  num_turns: number
  message_count: number
  total_cost_usd: number | null
  usage: Record<string, number> | null
  stderr: string | null
  permission_denials: unknown[] | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  /** CLI process id and its /proc start time while running (absent on older rows). */
  pid?: number | null
  pid_start?: string | null
}

export interface FileRecord {
  id: string
  owner_id: string
  workspace_id: string | null
  session_id: string | null
  /** Sanitised display name. */
  name: string
  /** Absolute path on disk (inside a workspace's uploads/ directory). */
  path: string
  size: number
  content_type: string
  sha256: string
  created_at: number
}

export interface ShareLinkRecord {
  id: string
  session_id: string
  token_hash: string
  role: Exclude<SessionRole, 'owner'>
  created_by: string
  created_at: number
  expires_at: number
  revoked_at: number | null
  uses: number
}

export interface SessionDocRecord {
  session_id: string
  version: number
  text: string
  language: string | null
  updated_by: string | null
  updated_at: number
}

/** A server-wide setting changed at run time by an admin; `value` is JSON, checked by the module that owns the key. */
export interface SettingRecord {
  key: string
  value: string
  updated_by: string | null
  updated_at: number
}

export type PermissionKind = 'tool' | 'question' | 'plan'
/**
 * pending until answered (allowed/denied), or until the run ends (cancelled), it times out or the server restarts
 * (expired).
 */
export type PermissionStatus = 'pending' | 'allowed' | 'denied' | 'cancelled' | 'timed_out' | 'expired'

/** A `can_use_tool` control_request of the CLI relayed to the session's participants, and how it was settled. */
export interface PermissionRecord {
  id: string
  /** The CLI's request_id, echoed in the control_response. */
  cli_request_id: string
  session_id: string
  execution_id: string
  kind: PermissionKind
  tool_name: string
  tool_use_id: string | null
  input: Record<string, unknown>
  /** The CLI's request as sent (description, permission_suggestions, blocked_path, title, decision_reason, …). */
  request: Record<string, unknown>
  status: PermissionStatus
  scope: 'once' | 'session' | 'persist' | null
  /** What was sent back to the CLI (the control_response's inner response). */
  response: Record<string, unknown> | null
  message: string | null
  decided_by: string | null
  decided_by_name: string | null
  decided_at: number | null
  created_at: number
  expires_at: number
}
