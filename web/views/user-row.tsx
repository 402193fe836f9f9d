// One user in the admin table: role, enable/disable, a password reset shown once, delete after a second click.
import { useState } from 'preact/hooks'
import type { Static } from '@sinclair/typebox'
import type { UserDeleted } from '../../src/modules/users/model.ts'
import { api, me } from '../lib/auth.ts'
import type { User } from '../lib/types.ts'
import { FormError, useAction } from './forms.tsx'
import { ShownOnce } from './shown-once.tsx'

/** 18 random bytes as base64url: 24 characters, well past the 8 the server asks for. */
function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18))
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
}

export function UserRow({ u, changed }: { u: User; changed: () => Promise<void> }) {
  const [password, setPassword] = useState<string | null>(null)
  const [deleting, setDeleting] = useState(false)
  const url = `/api/v1/users/${encodeURIComponent(u.id)}`
  const patch = useAction(async (body: Partial<User> & { password?: string }) => {
    await api(url, { method: 'PATCH', body })
    await changed()
  })
  const reset = useAction(async () => {
    const next = randomPassword()
    await api(url, { method: 'PATCH', body: { password: next } })
    setPassword(next)
  })
  const remove = useAction(async () => {
    await api<Static<typeof UserDeleted>>(url, { method: 'DELETE' })
    await changed()
  })
  const self = u.id === me.value?.id
  return (
    <tr>
      <td>{u.username}</td>
      <td>
        {self ? (
          u.role
        ) : (
          <select
            aria-label={`Role of ${u.username}`}
            value={u.role}
            onChange={(e) => void patch.run({ role: e.currentTarget.value as User['role'] })}
          >
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
        )}
      </td>
      <td>{u.disabled ? 'disabled' : 'active'}</td>
      <td>
        <div class="actions">
          {!self && (
            <button type="button" class="small" onClick={() => void patch.run({ disabled: !u.disabled })}>
              {u.disabled ? 'Enable' : 'Disable'} {u.username}
            </button>
          )}
          <button type="button" class="small" onClick={() => void reset.run()} disabled={reset.busy}>
            Reset password<span class="sr"> of {u.username}</span>
          </button>
          {!self &&
            (deleting ? (
              <span class="confirm">
                Their runs stop; what they shared comes to you.{' '}
                <button type="button" class="small danger" onClick={() => void remove.run()}>
                  Delete {u.username}
                </button>
                <button type="button" class="small" onClick={() => setDeleting(false)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button type="button" class="small" onClick={() => setDeleting(true)}>
                Delete<span class="sr"> {u.username}…</span>
              </button>
            ))}
          {password && (
            <ShownOnce
              label={`New password of ${u.username} (shown once; their sessions end)`}
              value={password}
              copyLabel="Copy password"
            />
          )}
          <FormError error={patch.error ?? reset.error ?? remove.error} />
        </div>
      </td>
    </tr>
  )
}
