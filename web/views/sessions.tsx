// A workspace's sessions: live status from the workspace channel, close and continue (owner), import from the terminal.
import type { Static } from '@sinclair/typebox'
import { useEffect, useState } from 'preact/hooks'
import type { TerminalSession } from '../../src/modules/claude/model.ts'
import { api } from '../lib/auth.ts'
import { ago, cost } from '../lib/format.ts'
import { realtime } from '../lib/realtime.ts'
import { Link, path } from '../lib/router.tsx'
import type { Session } from '../lib/types.ts'
import { FormError, useAction } from './forms.tsx'

type Busy = Session['current_status']
const BUSY = new Set(['queued', 'running', 'waiting_for_permission'])
const LABEL: Record<string, string> = { waiting_for_permission: 'waiting for permission' }
const sessionUrl = (id: string) => `/api/v1/claude/sessions/${encodeURIComponent(id)}`

/** The list, kept current by the `status` messages every execution of the workspace publishes on workspace:<id>. */
function useSessions(workspaceId: string) {
  const [sessions, setSessions] = useState<Session[] | null>(null)
  const [live, setLive] = useState(false)
  const load = useAction(async () => {
    const q = `workspace_id=${encodeURIComponent(workspaceId)}&limit=200`
    setSessions((await api<{ sessions: Session[] }>(`/api/v1/claude/sessions?${q}`)).sessions)
  })
  useEffect(() => {
    void load.run()
    const sub = realtime().subscribe(`workspace:${workspaceId}`, (m) => {
      if (m.type !== 'status') return
      const d = m.data as { session_id: string; status: string }
      const busy = (BUSY.has(d.status) ? d.status : null) as Busy
      let known = false
      setSessions((list) =>
        (list ?? []).map((s) => (s.id === d.session_id ? ((known = true), { ...s, current_status: busy }) : s)),
      )
      // a new session, or a run that ended (new cost and last activity): the list's own answer has the totals
      if (!known || !busy) void load.run()
    })
    // read again once live, so a change between the first read and the subscription is not missed
    void sub.ready.then(
      () => load.run().then(() => setLive(true)),
      () => {},
    )
    return sub
  }, [workspaceId])
  return { sessions, load, live }
}

/** `compact` (the phone's sessions sheet): the list only, without Close / Continue and the terminal import. */
export function SessionList({ workspaceId, compact = false }: { workspaceId: string; compact?: boolean }) {
  const { sessions, load, live } = useSessions(workspaceId)
  const act = useAction(async (s: Session, action: 'close' | 'reopen') => {
    await api(action === 'close' ? sessionUrl(s.id) : `${sessionUrl(s.id)}/reopen`, {
      method: action === 'close' ? 'DELETE' : 'POST',
    })
    await load.run()
  })
  return (
    <>
      <FormError error={load.error ?? act.error} />
      <ul class="sessions" data-live={live}>
        {(sessions ?? []).map((s) => (
          <SessionRow key={s.id} s={s} act={compact ? null : (a) => void act.run(s, a)} />
        ))}
        {sessions?.length === 0 && <li class="muted">No sessions yet.</li>}
      </ul>
      {!compact && <TerminalImport workspaceId={workspaceId} imported={() => void load.run()} />}
    </>
  )
}

function SessionRow({ s, act }: { s: Session; act: ((a: 'close' | 'reopen') => void) | null }) {
  const state = s.current_status ?? s.status
  const title = s.title ?? 'Untitled session'
  return (
    <li class="session-row" data-state={state}>
      <Link href={`/s/${s.id}`} class="tile" aria-current={path.value === `/s/${s.id}` ? 'page' : undefined}>
        <span class={`dot ${s.current_status === 'waiting_for_permission' ? 'waiting' : state}`} aria-hidden="true" />
        <strong>{title}</strong>
        {s.current_status && (
          <span class={`badge ${s.current_status === 'waiting_for_permission' ? 'needs' : 'live'}`}>
            {LABEL[s.current_status] ?? s.current_status}
          </span>
        )}
        <span class="muted">
          {s.status} · {ago(s.updated_at)} · {cost(s.total_cost_usd) || '$0.00'}
          {s.role ? ` · ${s.role}` : ''}
        </span>
      </Link>
      {act && s.role === 'owner' && (
        <button type="button" class="small" onClick={() => act(s.status === 'closed' ? 'reopen' : 'close')}>
          {s.status === 'closed' ? 'Continue' : 'Close'}
          <span class="sr"> {title}</span>
        </button>
      )}
    </li>
  )
}

/** Sessions started with `claude` in a terminal in this directory (the caller's own CLI home), adopted on request. */
function TerminalImport({ workspaceId, imported }: { workspaceId: string; imported: () => void }) {
  const [found, setFound] = useState<Static<typeof TerminalSession>[] | null>(null)
  const find = useAction(async () => {
    const q = `workspace_id=${encodeURIComponent(workspaceId)}`
    setFound(
      (await api<{ sessions: Static<typeof TerminalSession>[] }>(`/api/v1/claude/terminal-sessions?${q}`)).sessions,
    )
  })
  const adopt = useAction(async (t: Static<typeof TerminalSession>) => {
    await api('/api/v1/claude/sessions/import', {
      body: { workspace_id: workspaceId, cli_session_id: t.cli_session_id },
    })
    imported()
    await find.run()
  })
  return (
    <section class="terminal-import" aria-labelledby="term-h">
      <h2 id="term-h">From the terminal</h2>
      <button type="button" class="small" onClick={() => void find.run()} disabled={find.busy}>
        {found ? 'Look again' : 'Find terminal sessions'}
      </button>
      <FormError error={find.error ?? adopt.error} />
      {found && (
        <ul class="sessions" aria-label="Terminal sessions">
          {found.map((t) => (
            <li key={t.cli_session_id} class="session-row">
              <span class="tile">
                <strong>{t.first_prompt ?? t.cli_session_id}</strong>
                <span class="muted">{ago(t.modified_at)}</span>
              </span>
              {t.imported_session_id ? (
                <Link href={`/s/${t.imported_session_id}`} class="small">
                  Imported: open
                </Link>
              ) : (
                <button type="button" class="small" onClick={() => void adopt.run(t)} disabled={adopt.busy}>
                  Import<span class="sr"> {t.first_prompt ?? t.cli_session_id}</span>
                </button>
              )}
            </li>
          ))}
          {found.length === 0 && (
            <li class="muted">
              None: sessions you start with <code>claude</code> in this directory appear here.
            </li>
          )}
        </ul>
      )}
    </section>
  )
}
