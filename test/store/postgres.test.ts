// The Store contract on the PostgreSQL store, each test in a database of its own (skipped with a reason without PostgreSQL).
import { describe, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { migrations } from '../../src/store/postgres/migrations.ts'
import { openPostgresStore } from '../../src/store/postgres/pg-store.ts'
import type { Store } from '../../src/store/store.ts'
import { freshDatabase, requirePostgres, type TestDatabase } from '../support/postgres.ts'
import { storeContract } from './contract.ts'

const available = await requirePostgres('PostgreSQL store contract')
const databases = new Map<Store, TestDatabase>()

describe.skipIf(!available)('postgres', () => {
  storeContract(
    'postgres',
    async () => {
      const db = await freshDatabase()
      const store = await openPostgresStore(db.url, { pool: 4 })
      databases.set(store, db)
      return store
    },
    async (store) => {
      await store.close()
      await databases.get(store)!.drop()
      databases.delete(store)
    },
    async (store) => openPostgresStore(databases.get(store)!.url, { pool: 4 }),
  )
})

describe.skipIf(!available)('postgres migrations', () => {
  test('nodes starting at once on an empty database: one migrates, all open; a later start finds nothing to do; a newer schema is refused', async () => {
    const db = await freshDatabase()
    try {
      const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(db.url, { pool: 2 })))
      const latest = migrations.at(-1)!.version
      expect(stores.map((s) => s.schema.to)).toEqual([latest, latest, latest])
      expect(stores.filter((s) => s.schema.from === 0)).toHaveLength(1)
      for (const s of stores) await s.close()
      const again = await openPostgresStore(db.url, { pool: 1 })
      expect(again.schema).toEqual({ from: latest, to: latest })
      await again.close()
      const sql = new SQL(db.url, { max: 1 })
      const rows = await sql`SELECT version FROM schema_migrations ORDER BY version`
      expect(rows.map((r: { version: number }) => r.version)).toEqual(migrations.map((m) => m.version))
      await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${latest + 1}, 'future', 0)`
      await sql.close()
      await expect(openPostgresStore(db.url, { pool: 1 })).rejects.toThrow(/newer than this cchub/)
    } finally {
      await db.drop()
    }
  })
})
