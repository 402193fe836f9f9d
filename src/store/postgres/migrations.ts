// Numbered PostgreSQL schema migrations, applied in order at start-up under an advisory lock, recorded in schema_migrations.
import type { SQL } from 'bun'
import type { Migration } from '../sqlite/migrations.ts'

/** Advisory lock key (any constant): nodes starting together take turns, so only the first one migrates. */
const MIGRATION_LOCK = 7_401_161_414

// times are BIGINT ms epochs; JSON is TEXT as the SQLite store keeps it; usernames are unique case-insensitively
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema (the SQLite schema at its version 6)',
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL, password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin','user')), display_name TEXT, email TEXT,
  disabled BOOLEAN NOT NULL DEFAULT false, tokens_valid_after BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL,
  prefix TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL,
  last_used_at BIGINT, expires_at BIGINT, revoked_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys(user_id);
CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
CREATE TABLE workspaces (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL UNIQUE,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, managed BOOLEAN NOT NULL,
  description TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
);
CREATE INDEX workspaces_owner ON workspaces(owner_id);
CREATE TABLE workspace_members (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_role TEXT NOT NULL CHECK (session_role IN ('collaborator','viewer')), created_at BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members(user_id);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, title TEXT, cli_session_id TEXT,
  status TEXT NOT NULL, model TEXT, total_cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0, usage TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, closed_at BIGINT
);
CREATE INDEX sessions_workspace ON sessions(workspace_id);
CREATE TABLE session_participants (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner','collaborator','viewer')), created_at BIGINT NOT NULL,
  PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_participants_user ON session_participants(user_id);
CREATE TABLE executions (
  id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  workspace_id TEXT NOT NULL, user_id TEXT NOT NULL, prompt TEXT NOT NULL, options TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL, error TEXT, exit_code INTEGER, num_turns INTEGER NOT NULL DEFAULT 0,
  message_count INTEGER NOT NULL DEFAULT 0, total_cost_usd DOUBLE PRECISION, usage TEXT, stderr TEXT,
  permission_denials TEXT, created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT,
  pid INTEGER, pid_start TEXT
);
CREATE INDEX executions_session ON executions(session_id, created_at);
CREATE INDEX executions_status ON executions(status);
CREATE TABLE files (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE, session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
  name TEXT NOT NULL, path TEXT NOT NULL, size BIGINT NOT NULL, content_type TEXT NOT NULL, sha256 TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX files_session ON files(session_id);
CREATE INDEX files_workspace ON files(workspace_id);
CREATE TABLE channel_heads (name TEXT PRIMARY KEY, head BIGINT NOT NULL);
CREATE TABLE events (
  channel TEXT NOT NULL, seq BIGINT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, ts BIGINT NOT NULL,
  PRIMARY KEY (channel, seq)
);
CREATE INDEX events_ts ON events(ts);
CREATE TABLE share_links (
  id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL CHECK (role IN ('collaborator','viewer')),
  created_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL, revoked_at BIGINT, uses INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX share_links_session ON share_links(session_id);
CREATE TABLE session_docs (
  session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  version INTEGER NOT NULL, text TEXT NOT NULL, language TEXT, updated_by TEXT, updated_at BIGINT NOT NULL
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_by TEXT, updated_at BIGINT NOT NULL);
CREATE TABLE permissions (
  id TEXT PRIMARY KEY, cli_request_id TEXT NOT NULL, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE, kind TEXT NOT NULL CHECK (kind IN ('tool','question','plan')),
  tool_name TEXT NOT NULL, tool_use_id TEXT, input TEXT NOT NULL, request TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','allowed','denied','cancelled','timed_out','expired')),
  scope TEXT, response TEXT, message TEXT, decided_by TEXT, decided_by_name TEXT, decided_at BIGINT,
  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL
);
CREATE INDEX permissions_session ON permissions(session_id, status);
CREATE INDEX permissions_execution ON permissions(execution_id, status);
CREATE INDEX permissions_pending ON permissions(status) WHERE status = 'pending';
`,
  },
]

/**
 * Applies every migration newer than the database in one transaction, holding a transaction-scoped advisory lock:
 * a second node starting at the same moment waits, then finds nothing left to do. Refuses a newer database.
 */
export async function migrate(sql: SQL, list: Migration[] = migrations): Promise<{ from: number; to: number }> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`
    const [row] = await tx`SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations`
    const from = (row as { v: number }).v
    const latest = list.at(-1)?.version ?? 0
    if (from > latest) {
      throw new Error(`database schema version ${from} is newer than this cchub (${latest}); upgrade cchub`)
    }
    for (const m of list) {
      if (m.version <= from) continue
      await tx.unsafe(m.sql)
      await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${Date.now()})`
    }
    return { from, to: Math.max(from, latest) }
  })
}
