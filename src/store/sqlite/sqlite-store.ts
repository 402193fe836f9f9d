// The default Store: one bun:sqlite file in WAL mode, STRICT tables, prepared statements.
import { Database } from 'bun:sqlite'
import type { Store } from '../store.ts'
import { migrate } from './migrations.ts'
import { SqliteUsers } from './users.ts'
import { SqliteApiKeys, SqliteRevokedTokens } from './keys.ts'
import { SqliteWorkspaces } from './workspaces.ts'
import { SqliteEvents } from './events.ts'
import { SqliteExecutions } from './executions.ts'
import { SqliteSessions } from './sessions.ts'
import { SqliteFiles, SqliteSessionDocs, SqliteShareLinks } from './files.ts'
import { SqliteSettings } from './settings.ts'
import { SqlitePermissions } from './permissions.ts'

export interface SqliteStore extends Store {
  /** The raw handle, for repos added by later modules and for tests; not part of the Store contract. */
  readonly db: Database
  readonly schema: { from: number; to: number }
}

/** Opens (creating if needed) the database at `path` (":memory:" works) and migrates it. */
export function openSqliteStore(path: string): SqliteStore {
  const db = new Database(path, { create: true, strict: true })
  let schema: { from: number; to: number }
  try {
    db.run('PRAGMA journal_mode = WAL')
    // NORMAL in WAL mode survives a process crash (kill -9); only an OS crash can drop the last commits.
    db.run('PRAGMA synchronous = NORMAL')
    db.run('PRAGMA foreign_keys = ON')
    db.run('PRAGMA busy_timeout = 5000')
    schema = migrate(db)
  } catch (err) {
    // e.g. a database from a newer cchub: do not keep the file open behind the error
    db.close(false)
    throw err
  }
  let closed = false
  return {
    kind: 'sqlite',
    db,
    schema,
    users: new SqliteUsers(db),
    apiKeys: new SqliteApiKeys(db),
    revokedTokens: new SqliteRevokedTokens(db),
    workspaces: new SqliteWorkspaces(db),
    events: new SqliteEvents(db),
    sessions: new SqliteSessions(db),
    executions: new SqliteExecutions(db),
    files: new SqliteFiles(db),
    shareLinks: new SqliteShareLinks(db),
    docs: new SqliteSessionDocs(db),
    settings: new SqliteSettings(db),
    permissions: new SqlitePermissions(db),
    async ping() {
      if (closed) return false
      try {
        db.query('SELECT 1').get()
        return true
      } catch {
        return false
      }
    },
    async close() {
      if (closed) return
      closed = true
      db.run('PRAGMA optimize')
      db.close(false)
    },
  }
}
