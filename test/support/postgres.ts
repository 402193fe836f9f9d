// PostgreSQL for the suites that need it: a fresh database per caller, dropped after; a skip with a reason, or in CI a failure.
import { SQL } from 'bun'

/** The server the tests use (the machine's, trust auth); override with CCHUB_TEST_POSTGRES_URL. */
export const POSTGRES_ADMIN_URL = process.env.CCHUB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** `admin` with its database replaced by `name`. */
export function databaseUrl(name: string, admin = POSTGRES_ADMIN_URL): string {
  const url = new URL(admin)
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * True when PostgreSQL answers at `url`. Unreachable, it throws when CI=true (CI must run these suites, not skip them)
 * and otherwise says why the suite is skipped.
 */
export async function requirePostgres(
  suite: string,
  url = POSTGRES_ADMIN_URL,
  env: Record<string, string | undefined> = process.env,
): Promise<boolean> {
  const sql = new SQL(url, { max: 1, connectionTimeout: 3 })
  const reason = await sql`SELECT 1`.then(
    () => null,
    (err: Error) => err.message,
  )
  await sql.close()
  if (!reason) return true
  const where = new URL(url).host
  if (env.CI === 'true')
    throw new Error(`${suite}: PostgreSQL at ${where} does not answer (${reason}); with CI=true it must run, not skip`)
  console.warn(
    `skipping ${suite}: PostgreSQL at ${where} does not answer (${reason}); start it or set CCHUB_TEST_POSTGRES_URL`,
  )
  return false
}

export interface TestDatabase {
  name: string
  url: string
  /** Drops the database, closing whatever still holds a connection to it. */
  drop(): Promise<void>
}

/** A new empty database `cchub_t_<random>` on the test server, for one test (or one multi-node cluster). */
export async function freshDatabase(admin = POSTGRES_ADMIN_URL): Promise<TestDatabase> {
  const name = `cchub_t_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`
  await withAdmin(admin, (sql) => sql.unsafe(`CREATE DATABASE ${name}`))
  return {
    name,
    url: databaseUrl(name, admin),
    drop: () => withAdmin(admin, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  }
}

async function withAdmin(url: string, fn: (sql: SQL) => PromiseLike<unknown>): Promise<void> {
  const sql = new SQL(url, { max: 1, connectionTimeout: 5 })
  try {
    await fn(sql)
  } finally {
    await sql.close()
  }
}
