// Recognises SQLite uniqueness failures so repos can reject with StoreConflict instead of raw SQL errors.
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && /UNIQUE constraint failed|PRIMARY KEY must be unique/i.test(err.message)
}
