// The app shell: sign-in gate, header with the banners (server health, reconnecting), navigation and the routed screen.
import { useEffect, useState } from 'preact/hooks'
import { me, restoring, signOut } from './lib/auth.ts'
import { jsonRequest } from './lib/http.ts'
import { connection } from './lib/realtime.ts'
import { Link, match, path } from './lib/router.tsx'
import type { Health } from './lib/types.ts'
import { SessionView } from './session/session-view.tsx'
import { Account } from './views/account.tsx'
import { Admin } from './views/admin.tsx'
import { Join } from './views/join.tsx'
import { SignIn } from './views/sign-in.tsx'
import { Home, viewedWorkspace, WorkspaceNav, WorkspaceView } from './views/workspaces.tsx'

function HealthBanner() {
  const [health, setHealth] = useState<Health | null>(null)
  useEffect(() => void jsonRequest<Health>('/health').then(setHealth, () => {}), [])
  if (!health) return null
  const problems: string[] = []
  if (!health.claude)
    problems.push(
      'No working Claude Code CLI was found: install it (npm install puts one in node_modules) or set CCHUB_CLAUDE_BIN, then restart cchub.',
    )
  if (health.sandbox === 'off')
    problems.push(
      `No sandbox (${health.sandbox_reason ?? 'bubblewrap unavailable'}): Claude runs as the server user; install bubblewrap (apt-get install bubblewrap) and restart.`,
    )
  if (!problems.length) return null
  return (
    <div class="banner warn" role="alert">
      {problems.map((p) => (
        <p key={p}>{p}</p>
      ))}
    </div>
  )
}

function ReconnectBanner() {
  const state = connection.value
  if (state !== 'reconnecting' && state !== 'closed') return null
  return (
    <div class="banner info" role="status">
      Connection lost: reconnecting… Nothing is missed; the conversation resumes where it stopped.
    </div>
  )
}

function Screen() {
  const p = path.value
  let params: Record<string, string> | null
  if ((params = match('/s/:id', p))) return <SessionView id={params.id!} key={params.id} />
  if ((params = match('/w/:id', p))) return <WorkspaceView id={params.id!} key={params.id} />
  if (p === '/account') return <Account />
  if (p === '/admin') return <Admin />
  if (p === '/join') return <Join />
  return <Home />
}

export function App() {
  if (restoring.value)
    return (
      <p class="loading" role="status">
        Loading…
      </p>
    )
  if (!me.value) return <SignIn />
  const inSession = match('/s/:id', path.value) !== null
  const ws = match('/w/:id', path.value)?.id ?? (inSession ? viewedWorkspace.value : null)
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          cchub
        </Link>
        <nav aria-label="Account" class="account">
          {me.value.role === 'admin' && <Link href="/admin">Users</Link>}
          <Link href="/account">{me.value.username}</Link>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </nav>
      </header>
      <HealthBanner />
      <ReconnectBanner />
      <div class="body" data-screen={inSession ? 'session' : 'page'}>
        <WorkspaceNav current={ws} sessions={inSession} />
        <main id="main" tabIndex={-1}>
          <Screen />
        </main>
      </div>
    </div>
  )
}
