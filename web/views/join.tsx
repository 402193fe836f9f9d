// Opening a share link: accept it (the token comes from the URL fragment) and go to the session it grants.
import { useEffect, useState } from 'preact/hooks'
import { api } from '../lib/auth.ts'
import { navigate } from '../lib/router.tsx'

export function Join() {
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    const token = location.hash.slice(1)
    if (!token) return setError('This link has no token: ask for a new one')
    api<{ session_id: string }>(`/api/v1/claude/share/${encodeURIComponent(token)}/accept`, { method: 'POST' }).then(
      (r) => navigate(`/s/${encodeURIComponent(r.session_id)}`, true),
      (err) => setError((err as Error).message),
    )
  }, [])
  return (
    <section class="page" aria-labelledby="join-h">
      <h1 id="join-h">Joining a shared session</h1>
      {error ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : (
        <p role="status">Joining…</p>
      )}
    </section>
  )
}
