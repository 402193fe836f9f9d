// The configuration schema: every setting once, with its env variable, flag, default and meaning.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { parseToolRules } from '../modules/claude/cli/tool-rules.ts'

/** `split`: how a list setting's text becomes items (default: on commas); it throws with the reason for bad text. */
type Meta = { env: string; flag: string; description: string; secret?: boolean; split?: (raw: string) => string[] }
const s = <T extends TSchema>(schema: T, meta: Meta): T => Object.assign(schema, { 'x-cchub': meta })
const seconds = (def: number, min = 0.001) => Type.Number({ default: def, minimum: min, maximum: 31_536_000 })
const list = () => Type.Array(Type.String({ minLength: 1 }), { default: [] })

export const ConfigSchema = Type.Object({
  port: s(Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }), {
    env: 'CCHUB_PORT',
    flag: '--port',
    description: 'TCP port to listen on (0 picks a free one)',
  }),
  host: s(Type.String({ default: '127.0.0.1', minLength: 1 }), {
    env: 'CCHUB_HOST',
    flag: '--host',
    description: 'Address to bind; use 0.0.0.0 to accept remote clients',
  }),
  dataDir: s(Type.String({ default: './cchub-data', minLength: 1 }), {
    env: 'CCHUB_DATA_DIR',
    flag: '--data-dir',
    description: 'Directory for the database, secrets, workspaces and uploads (created if missing)',
  }),
  databaseUrl: s(Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })), {
    env: 'CCHUB_DATABASE_URL',
    flag: '--database-url',
    description:
      'postgres://user:password@host:5432/db stores everything in PostgreSQL (for several nodes); unset: SQLite in the data directory',
    secret: true,
  }),
  databasePool: s(Type.Integer({ default: 10, minimum: 1, maximum: 1000 }), {
    env: 'CCHUB_DATABASE_POOL',
    flag: '--database-pool',
    description: 'PostgreSQL connections this node keeps at most (with CCHUB_DATABASE_URL)',
  }),
  jwtSecret: s(Type.Optional(Type.String({ minLength: 32 })), {
    env: 'CCHUB_JWT_SECRET',
    flag: '--jwt-secret',
    description:
      'HS256 signing secret, at least 32 characters; generated once and kept in the data directory when not given',
    secret: true,
  }),
  adminUsername: s(Type.String({ default: 'admin', minLength: 1, maxLength: 64 }), {
    env: 'CCHUB_ADMIN_USERNAME',
    flag: '--admin-username',
    description: 'Name of the admin user created on first start',
  }),
  adminPassword: s(Type.Optional(Type.String({ minLength: 8 })), {
    env: 'CCHUB_ADMIN_PASSWORD',
    flag: '--admin-password',
    description: 'Password of the first admin user; generated and printed once when not given',
    secret: true,
  }),
  accessTokenTtl: s(seconds(900, 10), {
    env: 'CCHUB_ACCESS_TOKEN_TTL',
    flag: '--access-token-ttl',
    description: 'Access token lifetime, seconds',
  }),
  refreshTokenTtl: s(seconds(604_800, 60), {
    env: 'CCHUB_REFRESH_TOKEN_TTL',
    flag: '--refresh-token-ttl',
    description: 'Refresh token lifetime, seconds',
  }),
  loginMaxFailures: s(Type.Integer({ default: 5, minimum: 1 }), {
    env: 'CCHUB_LOGIN_MAX_FAILURES',
    flag: '--login-max-failures',
    description:
      'Failed logins (and wrong current passwords) per username per window before only its trusted addresses may still try (per address: 4x this, then every username waits)',
  }),
  loginWindow: s(seconds(900, 1), {
    env: 'CCHUB_LOGIN_WINDOW',
    flag: '--login-window',
    description: 'Window for counting failed logins, seconds',
  }),
  loginTrustedTtl: s(seconds(2_592_000, 1), {
    env: 'CCHUB_LOGIN_TRUSTED_TTL',
    flag: '--login-trusted-ttl',
    description:
      'Seconds an address stays trusted for a user after a successful login from it (kept in memory; in Redis, shared by the nodes, with CCHUB_REDIS_URL)',
  }),
  claudeBin: s(Type.Optional(Type.String({ minLength: 1 })), {
    env: 'CCHUB_CLAUDE_BIN',
    flag: '--claude-bin',
    description:
      'Claude Code CLI to run (default: the one npm install put in node_modules/@anthropic-ai/claude-code, then `claude` on PATH)',
  }),
  wsAllowedOrigins: s(list(), {
    env: 'CCHUB_WS_ALLOWED_ORIGINS',
    flag: '--ws-allowed-origins',
    description: "Comma-separated origins allowed to open WebSockets besides the server's own (`*` allows any)",
  }),
  workspaceRoots: s(list(), {
    env: 'CCHUB_WORKSPACE_ROOTS',
    flag: '--workspace-roots',
    description: 'Comma-separated directories inside which existing directories may be registered as workspaces',
  }),
  logLevel: s(
    Type.Union(
      [
        Type.Literal('debug'),
        Type.Literal('info'),
        Type.Literal('warn'),
        Type.Literal('error'),
        Type.Literal('silent'),
      ],
      { default: 'info' },
    ),
    { env: 'CCHUB_LOG_LEVEL', flag: '--log-level', description: 'debug, info, warn, error or silent' },
  ),
  shutdownTimeout: s(seconds(10), {
    env: 'CCHUB_SHUTDOWN_TIMEOUT',
    flag: '--shutdown-timeout',
    description: 'Seconds to finish in-flight work on SIGTERM/SIGINT before cutting it',
  }),
  wsAuthTimeout: s(seconds(10), {
    env: 'CCHUB_WS_AUTH_TIMEOUT',
    flag: '--ws-auth-timeout',
    description: 'Seconds a socket opened without ?token= has to send its auth message',
  }),
  wsPingInterval: s(seconds(30), {
    env: 'CCHUB_WS_PING_INTERVAL',
    flag: '--ws-ping-interval',
    description: 'Seconds between protocol pings',
  }),
  wsIdleTimeout: s(seconds(300), {
    env: 'CCHUB_WS_IDLE_TIMEOUT',
    flag: '--ws-idle-timeout',
    description: 'Seconds without any frame before a socket is closed',
  }),
  wsHeartbeatTimeout: s(seconds(60), {
    env: 'CCHUB_WS_HEARTBEAT_TIMEOUT',
    flag: '--ws-heartbeat-timeout',
    description:
      'Seconds a seed-003 (CC-Anywhere) socket may send nothing, heartbeats and pings included, before it is closed',
  }),
  wsMaxConnections: s(Type.Integer({ default: 10_000, minimum: 1 }), {
    env: 'CCHUB_WS_MAX_CONNECTIONS',
    flag: '--ws-max-connections',
    description: 'Open WebSocket connections and SSE streams allowed in total',
  }),
  wsMaxConnectionsPerUser: s(Type.Integer({ default: 50, minimum: 1 }), {
    env: 'CCHUB_WS_MAX_CONNECTIONS_PER_USER',
    flag: '--ws-max-connections-per-user',
    description: 'Open WebSocket connections and SSE streams allowed per user, together',
  }),
  wsMaxMessageBytes: s(Type.Integer({ default: 1_048_576, minimum: 1024 }), {
    env: 'CCHUB_WS_MAX_MESSAGE_BYTES',
    flag: '--ws-max-message-bytes',
    description: 'Largest incoming WebSocket frame; larger closes with 1009',
  }),
  wsRateLimit: s(Type.Number({ default: 10, minimum: 0.1 }), {
    env: 'CCHUB_WS_RATE_LIMIT',
    flag: '--ws-rate-limit',
    description: 'Messages per second a connection may send (token bucket refill rate)',
  }),
  wsRateBurst: s(Type.Integer({ default: 20, minimum: 1 }), {
    env: 'CCHUB_WS_RATE_BURST',
    flag: '--ws-rate-burst',
    description: 'Token bucket size for incoming messages',
  }),
  wsBackpressureLimit: s(Type.Integer({ default: 16_777_216, minimum: 1024 }), {
    env: 'CCHUB_WS_BACKPRESSURE_LIMIT',
    flag: '--ws-backpressure-limit',
    description:
      'Bytes queued for a slow client before it is closed (it recovers by replay); keep it above the largest frame (CLI lines are capped at 8 MiB)',
  }),
  wsReplayConcurrency: s(Type.Integer({ default: 16, minimum: 1 }), {
    env: 'CCHUB_WS_REPLAY_CONCURRENCY',
    flag: '--ws-replay-concurrency',
    description:
      'Subscriptions replaying history from the store at once (each may hold up to 1 MiB in its send buffer); the others wait their turn, the user holding the fewest first',
  }),
  wsReplayStallTimeout: s(seconds(30, 0.1), {
    env: 'CCHUB_WS_REPLAY_STALL_TIMEOUT',
    flag: '--ws-replay-stall-timeout',
    description:
      'Seconds a replaying client may leave its send buffer full before it is cut off like a slow consumer (it resumes with since after reconnecting)',
  }),
  eventRetentionDays: s(Type.Number({ default: 30, minimum: 0.0001 }), {
    env: 'CCHUB_EVENT_RETENTION_DAYS',
    flag: '--event-retention-days',
    description: 'Days channel events are kept for replay',
  }),
  eventBufferMaxBytes: s(Type.Integer({ default: 67_108_864, minimum: 1_048_576 }), {
    env: 'CCHUB_EVENT_BUFFER_MAX_BYTES',
    flag: '--event-buffer-max-bytes',
    description:
      'Memory for channel events waiting to be stored while the database is away (retried until it is back), bytes; when full, new events are refused',
  }),
  claudeMaxConcurrent: s(Type.Integer({ default: 4, minimum: 1 }), {
    env: 'CCHUB_CLAUDE_MAX_CONCURRENT',
    flag: '--claude-max-concurrent',
    description: 'Claude processes running at once; later executions queue',
  }),
  claudeMaxPerUser: s(Type.Integer({ default: 2, minimum: 1 }), {
    env: 'CCHUB_CLAUDE_MAX_PER_USER',
    flag: '--claude-max-per-user',
    description: 'Executions one user may have running at once',
  }),
  claudeTimeout: s(seconds(1800, 1), {
    env: 'CCHUB_CLAUDE_TIMEOUT',
    flag: '--claude-timeout',
    description: 'Overall seconds an execution may run',
  }),
  claudeOutputTimeout: s(seconds(300, 1), {
    env: 'CCHUB_CLAUDE_OUTPUT_TIMEOUT',
    flag: '--claude-output-timeout',
    description: 'Seconds without CLI output before an execution is ended as timed out',
  }),
  claudeProcessIdleTtl: s(seconds(600, 1), {
    env: 'CCHUB_CLAUDE_PROCESS_IDLE_TTL',
    flag: '--claude-process-idle-ttl',
    description: 'Seconds an idle session process is kept before it is reaped (resumed on the next prompt)',
  }),
  permissionTimeout: s(seconds(600, 1), {
    env: 'CCHUB_PERMISSION_TIMEOUT',
    flag: '--permission-timeout',
    description: 'Seconds a permission request, question or plan approval waits for an answer before it is denied',
  }),
  claudeKillGrace: s(seconds(5, 0.01), {
    env: 'CCHUB_CLAUDE_KILL_GRACE',
    flag: '--claude-kill-grace',
    description: 'Seconds between interrupt, SIGTERM and SIGKILL when cancelling',
  }),
  claudeEnvAllowList: s(list(), {
    env: 'CCHUB_CLAUDE_ENV_ALLOW',
    flag: '--claude-env-allow',
    description: 'Extra environment variables passed to the CLI (besides PATH, HOME, ANTHROPIC_*, CLAUDE_*)',
  }),
  claudeAllowedTools: s(list(), {
    env: 'CCHUB_CLAUDE_ALLOWED_TOOLS',
    flag: '--claude-allowed-tools',
    description:
      "Tool rules any request (admins' too) may ask for in `tools`, split on commas and spaces as the CLI does, e.g. `Read,Edit,Bash(git diff:*)` (empty: any)",
    split: (raw) => parseToolRules([raw], '').map((r) => r.text),
  }),
  sandbox: s(Type.Union([Type.Literal('auto'), Type.Literal('bwrap'), Type.Literal('off')], { default: 'auto' }), {
    env: 'CCHUB_SANDBOX',
    flag: '--sandbox',
    description:
      'Run each Claude CLI in a bubblewrap sandbox: auto (when bwrap works, probed at start), bwrap (required: refuse to start without it) or off; without one, non-admins may not use tools that run commands or write',
  }),
  claudeAllowBypassPermissions: s(Type.Boolean({ default: false }), {
    env: 'CCHUB_CLAUDE_ALLOW_BYPASS_PERMISSIONS',
    flag: '--claude-allow-bypass-permissions',
    description: 'Allow permission_mode bypassPermissions',
  }),
  maxBodyBytes: s(Type.Integer({ default: 1_048_576, minimum: 1024 }), {
    env: 'CCHUB_MAX_BODY_BYTES',
    flag: '--max-body-bytes',
    description:
      'Largest request body for every route but file uploads, bytes (a larger Content-Length gets 413, a chunked body without one 411)',
  }),
  maxUploadBytes: s(Type.Integer({ default: 104_857_600, minimum: 1 }), {
    env: 'CCHUB_MAX_UPLOAD_BYTES',
    flag: '--max-upload-bytes',
    description: 'Largest file upload, bytes',
  }),
  redisUrl: s(Type.Optional(Type.String({ pattern: '^rediss?://' })), {
    env: 'CCHUB_REDIS_URL',
    flag: '--redis-url',
    description:
      'redis:// (or rediss://) URL of the Redis that carries events and revocations between nodes; unset: one node, in-memory bus. Needs a shared store (CCHUB_DATABASE_URL), not SQLite',
    secret: true,
  }),
  redisPrefix: s(Type.String({ default: 'cchub:', minLength: 1, maxLength: 64 }), {
    env: 'CCHUB_REDIS_PREFIX',
    flag: '--redis-prefix',
    description: 'Prefix of every Redis key and pub/sub channel cchub uses (one per cluster sharing a Redis)',
  }),
  nodeId: s(Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' })), {
    env: 'CCHUB_NODE_ID',
    flag: '--node-id',
    description:
      "This node's name among several (letters, digits, . _ -); generated at start from the host name when not given, shown in /health",
  }),
  uploadExpiry: s(seconds(3600, 0.01), {
    env: 'CCHUB_UPLOAD_EXPIRY',
    flag: '--upload-expiry',
    description:
      'Seconds an unfinished WebSocket chunked upload is kept after its last chunk before its data is deleted',
  }),
  nodeLeaseMs: s(Type.Integer({ default: 5000, minimum: 100, maximum: 600_000 }), {
    env: 'CCHUB_NODE_LEASE_MS',
    flag: '--node-lease-ms',
    description:
      "Milliseconds a node's lease in Redis lives (renewed every third of it); a node silent this long, plus one check of a third of it, is declared dead and its executions interrupted",
  }),
})

export type Config = Static<typeof ConfigSchema>
export type ConfigKey = keyof Config

export function settingMeta(key: ConfigKey): Meta & { schema: TSchema } {
  const schema = ConfigSchema.properties[key] as unknown as TSchema & { 'x-cchub': Meta }
  return { ...schema['x-cchub'], schema }
}

export const configKeys = Object.keys(ConfigSchema.properties) as ConfigKey[]
