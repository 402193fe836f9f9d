// The Store contract on the SQLite store, each test on a fresh database file.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { storeContract } from './contract.ts'

const dirs = new Map<unknown, string>()

storeContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cchub-store-'))
    const store = openSqliteStore(join(dir, 'cchub.db'))
    dirs.set(store, dir)
    return store
  },
  async (store) => {
    await store.close()
    rmSync(dirs.get(store)!, { recursive: true, force: true })
    dirs.delete(store)
  },
  async (store) => openSqliteStore(join(dirs.get(store)!, 'cchub.db')),
)
