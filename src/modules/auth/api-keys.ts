// API keys: generation, hashing (only the hash is stored), the public view, and a user's keys kept in the store.
import { createHash, randomBytes } from 'node:crypto'
import { AppError } from '../../core/errors.ts'
import { iso } from '../../core/iso.ts'
import type { Signals } from '../../core/signals.ts'
import type { ApiKeyRecord, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'

export const API_KEY_PREFIX = 'cchub_'

export function newApiKey(prefix: string): { key: string; prefix: string } {
  const key = prefix + randomBytes(32).toString('base64url')
  return { key, prefix: key.slice(0, prefix.length + 6) }
}

/** Keys carry 256 random bits, so a fast hash is enough; a slow KDF would only slow every request. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export function toApiKeyInfo(k: ApiKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    created_at: new Date(k.created_at).toISOString(),
    last_used_at: iso(k.last_used_at),
    expires_at: iso(k.expires_at),
    revoked_at: iso(k.revoked_at),
  }
}

export class ApiKeys {
  constructor(
    private readonly store: Store,
    private readonly signals: Signals,
  ) {}

  async create(user: UserRecord, name: string, expiresInDays?: number) {
    const { key, prefix } = newApiKey(API_KEY_PREFIX)
    const now = Date.now()
    const record = {
      id: Bun.randomUUIDv7(),
      user_id: user.id,
      name,
      prefix,
      key_hash: hashApiKey(key),
      created_at: now,
      last_used_at: null,
      expires_at: expiresInDays ? now + expiresInDays * 86_400_000 : null,
      revoked_at: null,
    }
    await this.store.apiKeys.create(record)
    return { ...toApiKeyInfo(record), key }
  }

  async list(user: UserRecord) {
    return (await this.store.apiKeys.listForUser(user.id)).map(toApiKeyInfo)
  }

  async revoke(user: UserRecord, id: string) {
    if (!(await this.store.apiKeys.revoke(id, user.id, Date.now())))
      throw new AppError('NOT_FOUND', 404, 'API key not found')
    this.signals.emit('api-key-revoked', { keyId: id })
  }

  /** The stored key if it holds at `now`; UNAUTHORIZED when unknown or revoked, TOKEN_EXPIRED past its expiry. */
  async check(key: string, now: number): Promise<ApiKeyRecord> {
    const record = await this.store.apiKeys.byHash(hashApiKey(key))
    if (!record || record.revoked_at !== null) throw new AppError('UNAUTHORIZED', 401, 'Invalid or revoked API key')
    if (record.expires_at !== null && record.expires_at <= now)
      throw new AppError('TOKEN_EXPIRED', 401, 'API key expired')
    return record
  }

  /** Records the use; at most once a minute per key, so busy keys do not write on every request. */
  async used(record: ApiKeyRecord, now: number): Promise<void> {
    if (record.last_used_at === null || now - record.last_used_at > 60_000)
      await this.store.apiKeys.touch(record.id, now)
  }
}
