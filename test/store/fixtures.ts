// Record factories for the Store contract suite: valid rows with unique ids, overridable field by field.
import type {
  ApiKeyRecord,
  EventRecord,
  ExecutionRecord,
  FileRecord,
  SessionRecord,
  ShareLinkRecord,
  UserRecord,
  WorkspaceRecord,
} from '../../src/store/records.ts'

let n = 0
const uid = () => Bun.randomUUIDv7()
const T0 = 1_700_000_000_000

/** A timestamp that grows with every call, so ordering by time is unambiguous. */
export const tick = () => T0 + ++n * 1000

export const user = (o: Partial<UserRecord> = {}): UserRecord => ({
  id: uid(),
  username: `user-${++n}`,
  password_hash: 'hash',
  role: 'user',
  display_name: null,
  email: null,
  disabled: false,
  tokens_valid_after: 0,
  created_at: tick(),
  updated_at: tick(),
  ...o,
})

export const apiKey = (userId: string, o: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: uid(),
  user_id: userId,
  name: 'k',
  prefix: 'cch_',
  key_hash: `kh-${uid()}`,
  created_at: tick(),
  last_used_at: null,
  expires_at: null,
  revoked_at: null,
  ...o,
})

export const workspace = (ownerId: string, o: Partial<WorkspaceRecord> = {}): WorkspaceRecord => ({
  id: uid(),
  name: `ws-${++n}`,
  path: `/srv/ws-${uid()}`,
  owner_id: ownerId,
  managed: true,
  description: null,
  created_at: tick(),
  updated_at: tick(),
  ...o,
})

export const session = (workspaceId: string, ownerId: string, o: Partial<SessionRecord> = {}): SessionRecord => ({
  id: uid(),
  workspace_id: workspaceId,
  owner_id: ownerId,
  title: 't',
  cli_session_id: null,
  status: 'active',
  model: null,
  total_cost_usd: 0,
  usage: { input_tokens: 1 },
  created_at: tick(),
  updated_at: tick(),
  closed_at: null,
  ...o,
})

export const execution = (s: SessionRecord, userId: string, o: Partial<ExecutionRecord> = {}): ExecutionRecord => ({
  id: uid(),
  session_id: s.id,
  workspace_id: s.workspace_id,
  user_id: userId,
  prompt: 'hi',
  options: { model: 'm' },
  status: 'queued',
  error: null,
  exit_code: null,
  num_turns: 0,
  message_count: 0,
  total_cost_usd: null,
  usage: null,
  stderr: null,
  permission_denials: null,
  created_at: tick(),
  started_at: null,
  finished_at: null,
  ...o,
})

export const file = (ownerId: string, o: Partial<FileRecord> = {}): FileRecord => ({
  id: uid(),
  owner_id: ownerId,
  workspace_id: null,
  session_id: null,
  name: 'a.txt',
  path: `/srv/f-${uid()}`,
  size: 3,
  content_type: 'text/plain',
  sha256: 'ab'.repeat(32),
  created_at: tick(),
  ...o,
})

export const shareLink = (sessionId: string, createdBy: string, o: Partial<ShareLinkRecord> = {}): ShareLinkRecord => ({
  id: uid(),
  session_id: sessionId,
  token_hash: `th-${uid()}`,
  role: 'viewer',
  created_by: createdBy,
  created_at: tick(),
  expires_at: tick() + 3_600_000,
  revoked_at: null,
  uses: 0,
  ...o,
})

/** Events `from`..`to` of `channel`, each at `ts` (default: growing). */
export const events = (channel: string, from: number, to: number, ts?: number): EventRecord[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    channel,
    seq: from + i,
    type: 'e',
    data: JSON.stringify({ i: from + i }),
    ts: ts ?? tick(),
  }))
