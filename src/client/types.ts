// Wire and option types of the client; message shapes come from the server's TypeBox schemas, as types only.
import type { Static } from '@sinclair/typebox'
import type {
  AuthMessage,
  ErrorData as ErrorDataSchema,
  PingMessage,
  ServerEnvelope,
  SubscribeMessage,
  UnsubscribeMessage,
} from '../modules/realtime/model.ts'
import type { SubscribeResult } from '../modules/realtime/replay.ts'
import type { FileView } from '../modules/files/model.ts'
import type { ExecutionStatusSchema } from '../modules/claude/model.ts'
import type {
  PermissionResolved,
  PermissionResponseMessage,
  PermissionView,
  SetModelMessage,
  SetPermissionModeMessage,
} from '../modules/permissions/model.ts'

/** Every frame the server sends: `{type, id?, channel?, seq?, data, timestamp}`. */
export type ServerMessage = ServerEnvelope
/** A message published on a channel; `seq` is present on durable channels (workspace, session, task, user). */
export type ChannelMessage<D = unknown> = Omit<ServerEnvelope, 'channel' | 'data'> & { channel: string; data: D }

export type AuthRequest = Static<typeof AuthMessage>
export type PingRequest = Static<typeof PingMessage>
export type SubscribeRequest = Static<typeof SubscribeMessage>
export type UnsubscribeRequest = Static<typeof UnsubscribeMessage>
export type ErrorData = Static<typeof ErrorDataSchema>
/** `status` of an execution (REST and `status` messages); `waiting_for_permission` while Claude waits for an answer. */
export type ExecutionStatus = Static<typeof ExecutionStatusSchema>
/**
 * `data` of `permission_request`, `question` and `plan_approval` messages (and of `session_state.pending_permissions`).
 */
export type PermissionRequestData = Static<typeof PermissionView>
export type PermissionResolvedData = Static<typeof PermissionResolved>
export type PermissionResponseRequest = Static<typeof PermissionResponseMessage>
export type SetPermissionModeRequest = Static<typeof SetPermissionModeMessage>
export type SetModelRequest = Static<typeof SetModelMessage>

export interface PublicUser {
  id: string
  username: string
  role: 'admin' | 'user'
}

/** `data` of the first frame of every connection. */
export interface ConnectedData {
  connection_id: string
  authenticated: boolean
  user: PublicUser | null
  heartbeat_interval_s: number
  auth_timeout_s: number | null
}

export type SubscribeReply = SubscribeResult & { action: 'subscribe'; already_subscribed?: boolean }
export interface UnsubscribeReply {
  action: 'unsubscribe'
  channel: string
  was_subscribed: boolean
}
export interface AuthReply {
  action: 'auth'
  authenticated: true
  user: PublicUser
}
export interface PongData {
  timestamp: number | null
  server_time: number
}

/** Replies of the built-in request types; other types resolve to `unknown` unless a type argument is given. */
export interface ReplyMap {
  auth: AuthReply
  ping: PongData
  subscribe: SubscribeReply
  unsubscribe: UnsubscribeReply
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export type TokenProvider = () => string | Promise<string>

export interface CchubClientOptions {
  /** `ws(s)://host:port/ws`, or an `http(s)://host:port` base (then `/ws` is appended). */
  url: string
  /** A JWT access token or an API key (`cchub_…`). */
  token?: string
  /** Called before every connection attempt, so an expired token can be refreshed; wins over `token`. */
  tokenProvider?: TokenProvider
  /** `message` (default) sends an `auth` frame after connecting; `query` puts the token in `?token=` (seen in logs). */
  authMode?: 'message' | 'query'
  reconnect?: {
    enabled?: boolean
    /** First backoff ceiling in ms (default 500); doubles per failed attempt. */
    baseMs?: number
    /** Largest backoff ceiling in ms (default 30 000). */
    maxMs?: number
    /** A connection that stayed open this long resets the backoff (default 5 000 ms). */
    stableAfterMs?: number
  }
  /** Application-level ping interval in ms (default 25 000; 0 disables). */
  pingIntervalMs?: number
  /** After a ping, reconnect when no frame at all arrived within this many ms (default 10 000). */
  pongTimeoutMs?: number
  /** Default timeout of `request()` in ms (default 10 000). */
  requestTimeoutMs?: number
  /** Opening the socket and authenticating must finish within this many ms (default 10 000). */
  connectTimeoutMs?: number
  /**
   * Outgoing frames per second and burst, kept under the server limit of 10/s, burst 20 (default 8/s, burst 16; null
   * disables).
   */
  rateLimit?: { perSecond: number; burst: number } | null
  /** WebSocket constructor, for environments without a global one. */
  WebSocket?: WebSocketConstructor
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket

export interface GapInfo {
  channel: string
  /** First and last seq that may be missing (inclusive). */
  from: number
  to: number
  /** `truncated`: older than what the server keeps; `unexpected`: a jump the server should never produce. */
  reason: 'truncated' | 'unexpected'
}

export interface ResetInfo {
  channel: string
  /** The seq this client had seen, which the channel never reached (e.g. the server's data was reset). */
  requestedSince: number
  /** The channel's real head; delivery continues after it. */
  head: number
}

export type MessageHandler<D = unknown> = (message: ChannelMessage<D>) => void

export interface SubscribeOptions {
  /** Last seq already seen: everything after it is replayed first. Only used when the channel is not yet subscribed. */
  since?: number
  /** Some messages can no longer be replayed. */
  onGap?: (gap: GapInfo) => void
  /** The server's channel is behind what this client saw; drop derived state and rebuild from what follows. */
  onReset?: (reset: ResetInfo) => void
  /** The subscription was refused or revoked by the server; it is not retried. */
  onError?: (error: Error) => void
}

/** Calling it unsubscribes; `ready` settles with the first subscribe reply. */
export interface Subscription {
  (): void
  readonly channel: string
  readonly ready: Promise<SubscribeReply>
}

export interface DisconnectInfo {
  code: number
  reason: string
  willReconnect: boolean
  /** Delay before the next attempt, when reconnecting. */
  delayMs?: number
}

export interface ClientEvents {
  state: (state: ConnectionState, previous: ConnectionState) => void
  /** Every frame received, after internal handling. */
  message: (message: ServerMessage) => void
  /** Errors without a request to reject: uncorrelated server errors, failing handlers, auth failures. */
  error: (error: Error) => void
  disconnect: (info: DisconnectInfo) => void
  connected: (data: ConnectedData) => void
}

/** A stored file, as `file_uploaded` and the REST file routes describe it. */
export type FileData = Static<typeof FileView>

export interface UploadProgress {
  file_id: string
  /** Bytes the server holds so far (never counts a chunk twice, so it only grows). */
  bytes: number
  size: number
}

export interface UploadOptions {
  filename: string
  /** The target: a session (collaborator role) or a workspace. */
  session_id?: string
  workspace_id?: string
  /** Declared type; the server detects the served type itself. */
  content_type?: string
  /** Bytes per chunk (default and most: 512 KiB; a smaller size the server suggests wins). */
  chunkSize?: number
  onProgress?: (progress: UploadProgress) => void
  /** The server's id of the upload, once started. */
  onStart?: (fileId: string) => void
  /** Dropped sockets or timeouts in a row, with no chunk getting through, before giving up (default 10). */
  maxRetries?: number
}
