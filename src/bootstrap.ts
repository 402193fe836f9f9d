// First-start duties: the data directory, the configured store, the kept JWT secret and the first admin user.
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Config } from './config/schema.ts'
import { openPostgresStore } from './store/postgres/pg-store.ts'
import { openSqliteStore } from './store/sqlite/sqlite-store.ts'
import type { Store } from './store/store.ts'
import { hashPassword } from './modules/users/service.ts'

export function prepareDataDir(dataDir: string): string {
  const dir = resolve(dataDir)
  // only a directory we create is forced to 0700; an existing one keeps the owner's choice (the files inside are 0600)
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 })
  mkdirSync(join(dir, 'workspaces'), { recursive: true, mode: 0o750 })
  // per-user CLI homes (HOME of each user's Claude runs: transcripts, CLI settings)
  mkdirSync(join(dir, 'homes'), { recursive: true, mode: 0o700 })
  return realpathSync(dir)
}

/** PostgreSQL when CCHUB_DATABASE_URL is set (several nodes share it), else SQLite in the data directory (one node). */
export async function openStore(
  config: Pick<Config, 'databaseUrl' | 'databasePool'>,
  dataDir: string,
): Promise<Store & { schema: { from: number; to: number } }> {
  if (config.databaseUrl) return openPostgresStore(config.databaseUrl, { pool: config.databasePool })
  const dbPath = join(dataDir, 'cchub.db')
  const store = openSqliteStore(dbPath)
  restrictDbFiles(dbPath)
  return store
}

/** The configured secret, else the one kept in the data directory, else a new one written there (mode 0600). */
export function loadOrCreateSecret(dataDir: string, configured?: string): string {
  if (configured) return configured
  const file = join(dataDir, 'jwt-secret')
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim()
    if (kept.length >= 32) return kept
  }
  const secret = randomBytes(48).toString('base64url')
  writeFileSync(file, secret + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return secret
}

/** Creates the admin when the database has no users; returns the password only when it was generated here. */
export async function ensureAdmin(
  store: Store,
  username: string,
  password?: string,
): Promise<{ created: boolean; generatedPassword?: string }> {
  if ((await store.users.count()) > 0) return { created: false }
  const pw = password ?? randomBytes(18).toString('base64url')
  const now = Date.now()
  await store.users.create({
    id: Bun.randomUUIDv7(),
    username,
    password_hash: await hashPassword(pw),
    role: 'admin',
    display_name: 'Administrator',
    email: null,
    disabled: false,
    tokens_valid_after: 0,
    created_at: now,
    updated_at: now,
  })
  return { created: true, generatedPassword: password ? undefined : pw }
}

/** The database and its WAL files hold password and key hashes: readable by the server's user only. */
export function restrictDbFiles(dbPath: string): void {
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
    if (existsSync(f)) chmodSync(f, 0o600)
  }
}
