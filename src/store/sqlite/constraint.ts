// Recognises SQLite uniqueness failures so repos can reject with StoreConflict instead of raw SQL errors.
import { StoreConflict } from '../store.ts'

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && /UNIQUE constraint failed|PRIMARY KEY must be unique/i.test(err.message)
}

/** Runs an insert; a uniqueness failure rejects as StoreConflict (the Store contract), anything else as it is. */
export function insertUnique(insert: () => unknown, what: string): void {
  try {
    insert()
  } catch (err) {
    if (isUniqueViolation(err)) throw new StoreConflict(`${what} already exists`)
    throw err
  }
}
