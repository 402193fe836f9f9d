// The Store contract on the PostgreSQL store, each test in a database of its own (skipped with a reason without PostgreSQL).
import { describe } from 'bun:test'
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
