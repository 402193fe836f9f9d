// The Store seam: what the server needs from persistence, independent of the database behind it.
import type {
  ApiKeyRecord,
  EventRecord,
  ExecutionRecord,
  ExecutionStatus,
  FileRecord,
  ParticipantRecord,
  PermissionRecord,
  SessionDocRecord,
  SessionRecord,
  SettingRecord,
  ShareLinkRecord,
  UserRecord,
  WorkspaceMemberRecord,
  WorkspaceRecord,
} from './records.ts'

/**
 * Contract every Store implementation keeps (bun:sqlite, the default; PostgreSQL for several nodes):
 * - Every method that resolves has made its write durable: a process crash after it resolves loses nothing.
 * - Reads see every write that has resolved before them, also writes of other Store instances (processes) on the
 *   same database.
 * - Methods never throw for "not found": they resolve `null` / empty arrays. Uniqueness violations reject with
 *   `StoreConflict`; a database that cannot be reached (down, restarting, network cut) rejects with
 *   `StoreUnavailable` and the store recovers by itself once it is back; anything else rejects with the underlying
 *   error (the caller maps it to INTERNAL_ERROR).
 * - Records are returned as fresh objects: callers may mutate them.
 * - Event log: `appendEvents` writes a whole batch atomically or not at all; within a channel seqs must be the
 *   channel's head + 1, + 2, … (the caller assigns them; a gap or duplicate rejects the batch with StoreConflict),
 *   and `channelHead` survives pruning, so sequence numbers never repeat.
 * - Multi-writer: this holds when several Store instances (processes, nodes) append to one channel at the same moment.
 *   Of concurrent batches continuing the same head exactly one commits; the others reject with StoreConflict and store
 *   nothing, so a writer re-reads `channelHead` and retries. The log never holds a gap or a duplicate.
 */
export interface Store {
  /** Which database is behind it, for /health and the start-up log. */
  readonly kind: 'sqlite' | 'postgres'
  readonly users: UserRepo
  readonly apiKeys: ApiKeyRepo
  readonly revokedTokens: RevokedTokenRepo
  readonly workspaces: WorkspaceRepo
  readonly events: EventRepo
  readonly sessions: SessionRepo
  readonly executions: ExecutionRepo
  readonly files: FileRepo
  readonly shareLinks: ShareLinkRepo
  readonly docs: SessionDocRepo
  readonly settings: SettingRepo
  readonly permissions: PermissionRepo
  /** Cheap liveness probe used by /health; resolves false (never hangs, never rejects) when the database is down. */
  ping(): Promise<boolean>
  /** Flushes and closes; later calls reject. */
  close(): Promise<void>
}

export class StoreConflict extends Error {
  override name = 'StoreConflict'
}

/** The database cannot be reached right now; callers answer 503 STORE_UNAVAILABLE and may try again later. */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable'
}

export interface UserRepo {
  create(user: UserRecord): Promise<void>
  byId(id: string): Promise<UserRecord | null>
  /** Case-insensitive. */
  byUsername(username: string): Promise<UserRecord | null>
  list(opts: { limit: number; offset: number }): Promise<{ items: UserRecord[]; total: number }>
  update(id: string, patch: Partial<Omit<UserRecord, 'id' | 'created_at'>>): Promise<UserRecord | null>
  delete(id: string): Promise<boolean>
  count(): Promise<number>
  /**
   * The user's workspaces nobody else has a part in: no member, and no other user's session, participant row, execution
   * or file.
   */
  soleWorkspaces(id: string): Promise<WorkspaceRecord[]>
  /**
   * Deletes the user in one transaction after handing to `heir` what others share: their workspaces except the
   * sole ones (decided inside the transaction), their sessions and their files outside those. The rest of theirs
   * goes with them (cascades). Resolves null when there is no such user.
   */
  deleteHandingOver(id: string, heir: string, at: number): Promise<UserRemoval | null>
}

export interface UserRemoval {
  transferredWorkspaces: string[]
  transferredSessions: string[]
  transferredFiles: number
  deletedWorkspaces: WorkspaceRecord[]
  deletedSessions: number
  /**
   * File records that went, with the directory of their workspace (null when it had none), so their bytes can go too.
   */
  deletedFiles: { path: string; workspace_path: string | null }[]
}

export interface ApiKeyRepo {
  create(key: ApiKeyRecord): Promise<void>
  byHash(keyHash: string): Promise<ApiKeyRecord | null>
  listForUser(userId: string): Promise<ApiKeyRecord[]>
  /** Marks revoked; resolves false when the key does not exist, is not the user's, or is already revoked. */
  revoke(id: string, userId: string, at: number): Promise<boolean>
  touch(id: string, at: number): Promise<void>
}

export interface RevokedTokenRepo {
  add(jti: string, expiresAt: number): Promise<void>
  /** Every revocation that has not expired yet, so a node can hold them in memory. */
  active(now: number): Promise<string[]>
  prune(now: number): Promise<number>
}

export interface WorkspaceRepo {
  create(ws: WorkspaceRecord): Promise<void>
  byId(id: string): Promise<WorkspaceRecord | null>
  byPath(path: string): Promise<WorkspaceRecord | null>
  /** All workspaces when `userId` is null (admins), else those the user owns or is a member of. */
  listVisible(
    userId: string | null,
    opts: { limit: number; offset: number },
  ): Promise<{ items: WorkspaceRecord[]; total: number }>
  update(
    id: string,
    patch: Partial<Pick<WorkspaceRecord, 'name' | 'description' | 'owner_id'>> & { updated_at: number },
  ): Promise<WorkspaceRecord | null>
  delete(id: string): Promise<boolean>
  members(workspaceId: string): Promise<WorkspaceMemberRecord[]>
  member(workspaceId: string, userId: string): Promise<WorkspaceMemberRecord | null>
  putMember(member: WorkspaceMemberRecord): Promise<void>
  removeMember(workspaceId: string, userId: string): Promise<boolean>
}

export interface EventRepo {
  appendEvents(events: EventRecord[]): Promise<void>
  /** Highest seq ever assigned in the channel (0 if none), pruned events included. */
  channelHead(channel: string): Promise<number>
  /** Lowest seq still stored (null when the channel holds none). */
  oldestSeq(channel: string): Promise<number | null>
  /** Events with seq > afterSeq, ascending, at most `limit`. */
  readAfter(channel: string, afterSeq: number, limit: number): Promise<EventRecord[]>
  /** Events with seq < beforeSeq, newest first, at most `limit`. */
  readBefore(channel: string, beforeSeq: number, limit: number): Promise<EventRecord[]>
  /** Deletes events older than `olderThan` (ms epoch); channel heads stay. */
  prune(olderThan: number): Promise<number>
}

export interface SessionRepo {
  create(session: SessionRecord): Promise<void>
  byId(id: string): Promise<SessionRecord | null>
  /**
   * Sessions of a workspace (or all) that `userId` may see: owner, participant, workspace owner or member; null = all
   * (admin).
   */
  listVisible(
    userId: string | null,
    opts: { workspaceId?: string; limit: number; offset: number },
  ): Promise<{ items: SessionRecord[]; total: number }>
  update(id: string, patch: Partial<Omit<SessionRecord, 'id' | 'created_at'>>): Promise<SessionRecord | null>
  participants(sessionId: string): Promise<ParticipantRecord[]>
  participant(sessionId: string, userId: string): Promise<ParticipantRecord | null>
  putParticipant(p: ParticipantRecord): Promise<void>
  removeParticipant(sessionId: string, userId: string): Promise<boolean>
}

export interface ExecutionRepo {
  create(execution: ExecutionRecord): Promise<void>
  byId(id: string): Promise<ExecutionRecord | null>
  list(filter: {
    sessionId?: string
    status?: ExecutionStatus
    visibleTo: string | null
    limit: number
    offset: number
  }): Promise<{ items: ExecutionRecord[]; total: number }>
  update(id: string, patch: Partial<Omit<ExecutionRecord, 'id' | 'created_at'>>): Promise<ExecutionRecord | null>
  /** Every execution in one of `statuses`, oldest first. */
  withStatus(statuses: ExecutionStatus[]): Promise<ExecutionRecord[]>
  /**
   * Sets `to` only while the status is `from` (atomically); resolves the updated record, or null when it was not
   * `from`.
   */
  setStatusIf(id: string, from: ExecutionStatus, to: ExecutionStatus): Promise<ExecutionRecord | null>
}

export interface FileRepo {
  create(file: FileRecord): Promise<void>
  byId(id: string): Promise<FileRecord | null>
  list(filter: {
    sessionId?: string
    workspaceId?: string
    limit: number
    offset: number
  }): Promise<{ items: FileRecord[]; total: number }>
  delete(id: string): Promise<boolean>
}

export interface ShareLinkRepo {
  create(link: ShareLinkRecord): Promise<void>
  byId(id: string): Promise<ShareLinkRecord | null>
  byTokenHash(hash: string): Promise<ShareLinkRecord | null>
  listForSession(sessionId: string): Promise<ShareLinkRecord[]>
  revoke(id: string, at: number): Promise<boolean>
  countUse(id: string): Promise<void>
}

export interface SessionDocRepo {
  get(sessionId: string): Promise<SessionDocRecord | null>
  /** Writes the document only if its stored version is `expectedVersion` (0 = none yet); false otherwise. */
  put(doc: SessionDocRecord, expectedVersion: number): Promise<boolean>
}

/**
 * Admin-managed settings, one JSON value per key (e.g. the per-role tool policy); a missing key means "the default".
 */
export interface SettingRepo {
  get(key: string): Promise<SettingRecord | null>
  /** Inserts or replaces the value stored under `setting.key`. */
  put(setting: SettingRecord): Promise<void>
}

/**
 * Permission requests of the CLI. `settle` is the one way out of `pending` and is atomic: of any number of concurrent
 * calls for one id exactly one resolves the settled record, every other resolves null (first answer wins, also across
 * processes sharing the database). Settled records never change again.
 */
export interface PermissionRepo {
  create(p: PermissionRecord): Promise<void>
  byId(id: string): Promise<PermissionRecord | null>
  /** The request the CLI knows as `cliRequestId` in that execution (the CLI's ids are only unique per process). */
  byCliId(executionId: string, cliRequestId: string): Promise<PermissionRecord | null>
  /** Pending requests of a session or an execution, oldest first. */
  pending(filter: { sessionId?: string; executionId?: string }): Promise<PermissionRecord[]>
  settle(
    id: string,
    outcome: Pick<
      PermissionRecord,
      'status' | 'scope' | 'response' | 'message' | 'decided_by' | 'decided_by_name' | 'decided_at'
    >,
  ): Promise<PermissionRecord | null>
  /**
   * Marks every pending request `expired` with `message` (a restart: no CLI is waiting any more); resolves those
   * records.
   */
  expireAll(message: string, at: number): Promise<PermissionRecord[]>
}
