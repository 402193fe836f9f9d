// Account screen: change your password (older tokens are revoked, this tab gets a fresh pair), your API keys.
import { useState } from 'preact/hooks'
import { changePassword, me } from '../lib/auth.ts'
import { ApiKeys } from './api-keys.tsx'
import { field, FormError, useAction } from './forms.tsx'

export function Account() {
  const [done, setDone] = useState(false)
  const { busy, error, run } = useAction(async (current: string, next: string, again: string) => {
    setDone(false)
    if (next !== again) throw new Error('The two new passwords differ')
    await changePassword(current, next)
    setDone(true)
  })
  return (
    <section class="page" aria-labelledby="acct-h">
      <h1 id="acct-h">Your account</h1>
      <p>
        Signed in as <strong>{me.value?.username}</strong> ({me.value?.role}).
      </p>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault()
          const form = e.currentTarget
          void run(field(e, 'current'), field(e, 'next'), field(e, 'again')).then((ok) => ok && form.reset())
        }}
      >
        <h2>Change password</h2>
        <label>
          Current password <input name="current" type="password" autocomplete="current-password" required />
        </label>
        <label>
          New password <input name="next" type="password" autocomplete="new-password" minLength={8} required />
        </label>
        <label>
          New password again <input name="again" type="password" autocomplete="new-password" minLength={8} required />
        </label>
        <FormError error={error} />
        {done && (
          <p role="status" class="ok">
            Password changed. Other devices have to sign in again.
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Change password
        </button>
      </form>
      <ApiKeys />
    </section>
  )
}
