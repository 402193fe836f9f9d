// The PostgreSQL Store (CCHUB_DATABASE_URL): a Bun.SQL pool, numbered migrations, the same contract as SQLite.
import { SQL } from 'bun'
import { StoreUnavailable, type Store } from '../store.ts'
import { Pg, translate } from './db.ts'
import { PgEvents } from './events.ts'
import { PgExecutions } from './executions.ts'
import { PgFiles, PgSessionDocs, PgShareLinks } from './files.ts'
import { PgApiKeys, PgRevokedTokens } from './keys.ts'
import { migrate } from './migrations.ts'
import { PgPermissions } from './permissions.ts'
import { PgSessions } from './sessions.ts'
import { PgSettings } from './settings.ts'
import { PgUsers } from './users.ts'
import { PgWorkspaces } from './workspaces.ts'

export interface PostgresStore extends Store {
  readonly schema: { from: number; to: number }
}

export interface PostgresOptions {
  /** Connections in the pool. */
  pool: number
  /** Seconds to wait for a connection before a call rejects with StoreUnavailable (and ping resolves false). */
  connectTimeout?: number
}

/** Connects to `url` (postgres://…) and migrates the database; rejects when it cannot be reached or is newer. */
export async function openPostgresStore(url: string, opts: PostgresOptions): Promise<PostgresStore> {
  const connectTimeout = opts.connectTimeout ?? 5
  // Bun.SQL opens connections on demand and replaces broken ones, so the pool heals when PostgreSQL is back
  const sql = new SQL(url, { max: opts.pool, connectionTimeout: connectTimeout, idleTimeout: 60 })
  let schema: { from: number; to: number }
  try {
    schema = await migrate(sql)
  } catch (err) {
    await sql.close()
    const e = translate(err)
    // say where (never the password), so an operator sees which setting to check
    if (e instanceof StoreUnavailable)
      throw new StoreUnavailable(e.message.replace('PostgreSQL', `PostgreSQL at ${new URL(url).host}`))
    throw e
  }
  const db = new Pg(sql)
  let closed = false
  return {
    kind: 'postgres',
    schema,
    users: new PgUsers(db),
    apiKeys: new PgApiKeys(db),
    revokedTokens: new PgRevokedTokens(db),
    workspaces: new PgWorkspaces(db),
    events: new PgEvents(db),
    sessions: new PgSessions(db),
    executions: new PgExecutions(db),
    files: new PgFiles(db),
    shareLinks: new PgShareLinks(db),
    docs: new PgSessionDocs(db),
    settings: new PgSettings(db),
    permissions: new PgPermissions(db),
    async ping() {
      if (closed) return false
      const probe = sql`SELECT 1`.then(
        () => true,
        () => false,
      )
      return Promise.race([probe, Bun.sleep(connectTimeout * 1000).then(() => false)])
    },
    async close() {
      if (closed) return
      closed = true
      await sql.close({ timeout: 5 })
    },
  }
}
