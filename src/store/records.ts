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
