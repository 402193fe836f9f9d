// Numbered schema migrations, applied in order at start-up and recorded in PRAGMA user_version.
import type { Database } from 'bun:sqlite'

export interface Migration {
  version: number
  name: string
  sql: string
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL COLLATE NOCASE UNIQUE, password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin','user')), display_name TEXT, email TEXT,
  disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL,
  prefix TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
  last_used_at INTEGER, expires_at INTEGER, revoked_at INTEGER
) STRICT;
CREATE INDEX api_keys_user ON api_keys(user_id);
CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE workspaces (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL UNIQUE,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, managed INTEGER NOT NULL,
  description TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX workspaces_owner ON workspaces(owner_id);
CREATE TABLE workspace_members (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_role TEXT NOT NULL CHECK (session_role IN ('collaborator','viewer')), created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX workspace_members_user ON workspace_members(user_id);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, title TEXT, cli_session_id TEXT,
  status TEXT NOT NULL, model TEXT, total_cost_usd REAL NOT NULL DEFAULT 0, usage TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, closed_at INTEGER
) STRICT;
CREATE INDEX sessions_workspace ON sessions(workspace_id);
CREATE TABLE session_participants (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner','collaborator','viewer')), created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX session_participants_user ON session_participants(user_id);
CREATE TABLE executions (
  id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  workspace_id TEXT NOT NULL, user_id TEXT NOT NULL, prompt TEXT NOT NULL, options TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL, error TEXT, exit_code INTEGER, num_turns INTEGER NOT NULL DEFAULT 0,
  message_count INTEGER NOT NULL DEFAULT 0, total_cost_usd REAL, usage TEXT, stderr TEXT,
  permission_denials TEXT, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER
) STRICT;
CREATE INDEX executions_session ON executions(session_id, created_at);
CREATE INDEX executions_status ON executions(status);
CREATE TABLE files (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE, session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
  name TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, content_type TEXT NOT NULL, sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX files_session ON files(session_id);
CREATE INDEX files_workspace ON files(workspace_id);
CREATE TABLE channels (name TEXT PRIMARY KEY, head INTEGER NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE events (
  channel TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, ts INTEGER NOT NULL,
  PRIMARY KEY (channel, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX events_ts ON events(ts);
`,
  },
  {
    version: 2,
    name: 'collaboration: share links and shared documents',
    sql: `
CREATE TABLE share_links (
  id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL CHECK (role IN ('collaborator','viewer')),
  created_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, revoked_at INTEGER, uses INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX share_links_session ON share_links(session_id);
CREATE TABLE session_docs (
  session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  version INTEGER NOT NULL, text TEXT NOT NULL, language TEXT, updated_by TEXT, updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`,
  },
  {
    version: 3,
    name: 'executions remember their CLI process, so a restart can stop orphans',
    sql: `
ALTER TABLE executions ADD COLUMN pid INTEGER;
ALTER TABLE executions ADD COLUMN pid_start TEXT;
`,
  },
  {
    version: 4,
    name: 'users remember when their password last changed, so older tokens can be refused',
    sql: `
ALTER TABLE users ADD COLUMN tokens_valid_after INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 5,
    name: 'admin-managed settings (the per-role tool policy)',
    sql: `
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_by TEXT, updated_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
`,
  },
  {
    version: 6,
    name: 'permission requests of the CLI relayed to the session, pending until someone answers',
    sql: `
CREATE TABLE permissions (
  id TEXT PRIMARY KEY, cli_request_id TEXT NOT NULL, session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  execution_id TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE, kind TEXT NOT NULL CHECK (kind IN ('tool','question','plan')),
  tool_name TEXT NOT NULL, tool_use_id TEXT, input TEXT NOT NULL, request TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','allowed','denied','cancelled','timed_out','expired')),
  scope TEXT, response TEXT, message TEXT, decided_by TEXT, decided_by_name TEXT, decided_at INTEGER,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX permissions_session ON permissions(session_id, status);
CREATE INDEX permissions_execution ON permissions(execution_id, status);
CREATE INDEX permissions_pending ON permissions(status) WHERE status = 'pending';
`,
  },
]

/** Applies every migration newer than the database, each in its own transaction. Refuses a newer database. */
export function migrate(db: Database, list: Migration[] = migrations): { from: number; to: number } {
  const from = (db.query('PRAGMA user_version').get() as { user_version: number }).user_version
  const latest = list.at(-1)?.version ?? 0
  if (from > latest) {
    throw new Error(`database schema version ${from} is newer than this cchub (${latest}); upgrade cchub`)
  }
  for (const m of list) {
    if (m.version <= from) continue
    db.transaction(() => {
      db.run(m.sql)
      db.run(`PRAGMA user_version = ${m.version}`)
    })()
  }
  return { from, to: Math.max(from, latest) }
}
