// Sign-in screen, with the hint a first-time self-hoster needs: where the admin password was printed.
import { signIn } from '../lib/auth.ts'
import { field, FormError, useAction } from './forms.tsx'

export function SignIn() {
  const { busy, error, run } = useAction((u: string, p: string) => signIn(u, p))
  return (
    <main class="sign-in" id="main">
      <form
        class="panel"
        aria-labelledby="signin-h"
        onSubmit={(e) => (e.preventDefault(), void run(field(e, 'username'), field(e, 'password')))}
      >
        <h1 id="signin-h">Sign in to cchub</h1>
        <label>
          Username <input name="username" autocomplete="username" required defaultValue="admin" />
        </label>
        <label>
          Password <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <FormError error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="hint">
          First start? cchub created the <code>admin</code> user and printed its password <strong>once</strong> in the
          terminal where it was started (on stderr, above the <code>ready on</code> line), unless{' '}
          <code>CCHUB_ADMIN_PASSWORD</code> was set.
        </p>
      </form>
    </main>
  )
}
