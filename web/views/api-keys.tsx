// Your API keys on the account page: list, create (the key shown once, with Copy), revoke.
import type { Static } from '@sinclair/typebox'
import { useEffect, useState } from 'preact/hooks'
import type { ApiKeyInfo, CreatedApiKey } from '../../src/modules/auth/model.ts'
import { api } from '../lib/auth.ts'
import { field, FormError, useAction } from './forms.tsx'
import { ShownOnce } from './shown-once.tsx'

type Key = Static<typeof ApiKeyInfo>
const KEYS = '/api/v1/auth/api-keys'
const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString() : 'never')

export function ApiKeys() {
  const [keys, setKeys] = useState<Key[]>([])
  const [created, setCreated] = useState<string | null>(null)
  const load = () => api<{ api_keys: Key[] }>(KEYS).then((r) => setKeys(r.api_keys))
  useEffect(() => void load().catch(() => {}), [])
  const create = useAction(async (name: string, days: string) => {
    const body = { name, ...(days ? { expires_in_days: Number(days) } : {}) }
    setCreated((await api<Static<typeof CreatedApiKey>>(KEYS, { body })).key)
    await load()
  })
  const revoke = useAction(async (id: string) => {
    await api(`${KEYS}/${encodeURIComponent(id)}`, { method: 'DELETE' })
    await load()
  })
  return (
    <section class="panel" aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <p class="muted">For programs: send one as X-API-Key or as Authorization: Bearer.</p>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault()
          const form = e.currentTarget
          void create.run(field(e, 'name'), field(e, 'days')).then((ok) => ok && form.reset())
        }}
      >
        <label>
          Key name <input name="name" required maxLength={100} autocomplete="off" />
        </label>
        <label>
          Expires after (days, empty = never) <input name="days" type="number" min="1" max="3650" />
        </label>
        <button type="submit" class="small" disabled={create.busy}>
          Create key
        </button>
      </form>
      <FormError error={create.error ?? revoke.error} />
      {created && <ShownOnce key={created} label="New key (shown once)" value={created} copyLabel="Copy key" />}
      <ul class="links" aria-label="Your API keys">
        {keys.map((k) => (
          <li key={k.id} data-revoked={k.revoked_at !== null}>
            <strong>{k.name}</strong> <code>{k.prefix}…</code> used {day(k.last_used_at)}, expires {day(k.expires_at)}
            {k.revoked_at ? (
              <span class="muted"> revoked</span>
            ) : (
              <button type="button" class="small" aria-label={`Revoke ${k.name}`} onClick={() => void revoke.run(k.id)}>
                Revoke
              </button>
            )}
          </li>
        ))}
        {keys.length === 0 && <li class="muted">No keys yet</li>}
      </ul>
    </section>
  )
}
