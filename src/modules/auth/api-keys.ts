// API key material: generation, hashing (only the hash is stored) and the public view of a key.
import { createHash, randomBytes } from 'node:crypto'
import { iso } from '../../core/iso.ts'
import type { ApiKeyRecord } from '../../store/records.ts'

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
