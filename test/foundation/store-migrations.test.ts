// Schema migrations on existing databases: data kept, new steps run once, failures rolled back, newer schemas refused.
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { migrate, migrations, type Migration } from '../../src/store/sqlite/migrations.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { tempDir } from './helpers.ts'

let dir: string
let path: string
beforeEach(() => {
  dir = tempDir('cchub-migrate-')
  path = join(dir, 'cchub.db')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const LATEST = migrations.at(-1)!.version
const userVersion = (db: Database) => (db.query('PRAGMA user_version').get() as { user_version: number }).user_version
const extra: Migration = {
  version: LATEST + 1,
  name: 'test-only: nickname column and a new table',
  sql: `ALTER TABLE users ADD COLUMN nickname TEXT; CREATE TABLE test_extra (id INTEGER PRIMARY KEY, note TEXT NOT NULL) STRICT;`,
}

/** A database as an earlier run left it: the known schema applied and one user row written. */
function existingDatabase() {
  const db = new Database(path, { create: true, strict: true })
  migrate(db)
  db.query(`INSERT INTO users (id, username, password_hash, role, display_name, email, disabled, created_at, updated_at)
            VALUES ('u1', 'olduser', 'hash', 'user', 'Old User', NULL, 0, 1, 2)`).run()
  db.close()
}

test('versions are numbered 1, 2, 3, … without gaps', () => {
  expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1))
})

test('a fresh database is created at the latest version with WAL, foreign keys and STRICT tables', async () => {
  const store = openSqliteStore(path)
  try {
    expect(store.schema).toEqual({ from: 0, to: LATEST })
    expect(userVersion(store.db)).toBe(LATEST)
    expect((store.db.query('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal')
    expect((store.db.query('PRAGMA foreign_keys').get() as { foreign_keys: number }).foreign_keys).toBe(1)
    // STRICT: a text where an integer belongs is rejected, not coerced
    expect(() => store.db.query(`INSERT INTO revoked_tokens (jti, expires_at) VALUES ('j', 'later')`).run()).toThrow()
    // foreign keys: an API key for a user that does not exist is rejected
    expect(() =>
      store.db
        .query(
          `INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at) VALUES ('k', 'ghost', 'n', 'p', 'h', 1)`,
        )
        .run(),
    ).toThrow()
  } finally {
    await store.close()
  }
})

test('reopening an existing database keeps its data and its version', async () => {
  existingDatabase()
  const store = openSqliteStore(path)
  try {
    expect(store.schema).toEqual({ from: LATEST, to: LATEST })
    expect(userVersion(store.db)).toBe(LATEST)
    expect(await store.users.byUsername('OLDUSER')).toMatchObject({
      id: 'u1',
      display_name: 'Old User',
      disabled: false,
    })
  } finally {
    await store.close()
  }
})

test('a new migration is applied once to an existing database, then is a no-op', () => {
  existingDatabase()
  const db = new Database(path, { strict: true })
  try {
    expect(migrate(db, [...migrations, extra])).toEqual({ from: LATEST, to: LATEST + 1 })
    expect(userVersion(db)).toBe(LATEST + 1)
    expect(db.query(`SELECT username, nickname FROM users WHERE id = 'u1'`).get()).toEqual({
      username: 'olduser',
      nickname: null,
    })
    db.query(`INSERT INTO test_extra (note) VALUES ('kept')`).run()

    expect(migrate(db, [...migrations, extra])).toEqual({ from: LATEST + 1, to: LATEST + 1 })
    expect(userVersion(db)).toBe(LATEST + 1)
    expect(db.query('SELECT COUNT(*) AS n FROM test_extra').get()).toEqual({ n: 1 })
  } finally {
    db.close()
  }
})

test('a failing migration is rolled back as a whole and leaves the version alone', () => {
  existingDatabase()
  const db = new Database(path, { strict: true })
  try {
    const broken: Migration = {
      version: LATEST + 1,
      name: 'broken',
      sql: `CREATE TABLE half_done (x INTEGER) STRICT; INSERT INTO no_such_table VALUES (1);`,
    }
    expect(() => migrate(db, [...migrations, broken])).toThrow()
    expect(userVersion(db)).toBe(LATEST)
    expect(db.query(`SELECT name FROM sqlite_master WHERE name = 'half_done'`).get()).toBeNull()
  } finally {
    db.close()
  }
})

test('a database from a newer cchub is refused with a clear error, and left untouched', () => {
  existingDatabase()
  const db = new Database(path, { strict: true })
  migrate(db, [...migrations, extra])
  db.close()

  expect(() => openSqliteStore(path)).toThrow(/newer than this cchub/)
  const check = new Database(path, { readonly: true })
  try {
    expect(userVersion(check)).toBe(LATEST + 1)
    expect(check.query(`SELECT COUNT(*) AS n FROM users`).get()).toEqual({ n: 1 })
  } finally {
    check.close()
  }
})

test('a write that resolved survives closing and reopening', async () => {
  const store = openSqliteStore(path)
  await store.revokedTokens.add('jti-1', Date.now() + 60_000)
  await store.events.appendEvents([{ channel: 'c', seq: 1, type: 't', data: '{}', ts: Date.now() }])
  await store.close()
  const again = openSqliteStore(path)
  try {
    expect(await again.revokedTokens.active(Date.now())).toEqual(['jti-1'])
    expect(await again.events.channelHead('c')).toBe(1)
  } finally {
    await again.close()
  }
})
