// Workspaces (list, create) and one workspace's sessions (status, last activity, cost) with a new-session prompt.
import { signal } from '@preact/signals'
import { useEffect, useState } from 'preact/hooks'
import { api } from '../lib/auth.ts'
import { Link, navigate } from '../lib/router.tsx'
import type { ExecuteResponse, Workspace } from '../lib/types.ts'
import { PromptBox } from '../session/prompt-box.tsx'
import type { RunOptions } from '../session/run-options.tsx'
import { field, FormError, useAction } from './forms.tsx'
import { Members } from './members.tsx'
import { SessionList } from './sessions.tsx'

export const workspaces = signal<Workspace[] | null>(null)
/** The workspace of the session on screen, so the navigation can show where it belongs and its neighbours. */
export const viewedWorkspace = signal<string | null>(null)

export async function loadWorkspaces(): Promise<void> {
  workspaces.value = (await api<{ workspaces: Workspace[] }>('/api/v1/workspaces?limit=500')).workspaces
}

/** `sessions`: on a session's page the current workspace lists its sessions (live status) under its name. */
export function WorkspaceNav({ current, sessions }: { current: string | null; sessions: boolean }) {
  useEffect(() => void loadWorkspaces().catch(() => {}), [])
  return (
    <nav class="nav" aria-label="Workspaces">
      <h2>
        <Link href="/">Workspaces</Link>
      </h2>
      <ul>
        {(workspaces.value ?? []).map((w) => (
          <li key={w.id}>
            <Link href={`/w/${w.id}`} aria-current={w.id === current ? 'page' : undefined}>
              {w.name}
            </Link>
            {sessions && w.id === current && <SessionList workspaceId={w.id} compact />}
          </li>
        ))}
      </ul>
    </nav>
  )
}

/** The configured workspace roots: registering an existing directory is offered only when there is one. */
function useRoots(): string[] {
  const [roots, setRoots] = useState<string[]>([])
  useEffect(
    () =>
      void api<{ roots: string[] }>('/api/v1/workspaces/roots').then(
        (r) => setRoots(r.roots),
        () => {},
      ),
    [],
  )
  return roots
}

export function Home() {
  const roots = useRoots()
  const create = useAction(async (name: string, path: string) => {
    const w = await api<Workspace>('/api/v1/workspaces', { body: { name, ...(path ? { path } : {}) } })
    await loadWorkspaces()
    navigate(`/w/${w.id}`)
  })
  const list = workspaces.value
  return (
    <section class="page" aria-labelledby="home-h">
      <h1 id="home-h">Workspaces</h1>
      <p class="muted">
        A workspace is a directory where Claude works. Open one to see its sessions or start a new one.
      </p>
      <ul class="cards">
        {(list ?? []).map((w) => (
          <li key={w.id}>
            <Link href={`/w/${w.id}`} class="tile">
              <strong>{w.name}</strong>
              <span class="muted">{w.path}</span>
            </Link>
          </li>
        ))}
        {list?.length === 0 && <li class="muted">No workspaces yet: create the first one.</li>}
      </ul>
      <form
        class="panel inline"
        onSubmit={(e) => {
          e.preventDefault()
          const form = e.currentTarget
          void create.run(field(e, 'name'), field(e, 'path').trim()).then((ok) => ok && form.reset())
        }}
      >
        <label>
          New workspace name <input name="name" required maxLength={128} placeholder="my-project" />
        </label>
        {roots.length > 0 && (
          <label>
            Existing directory (optional){' '}
            <input name="path" maxLength={4096} placeholder={`${roots[0]}/…`} aria-describedby="roots-hint" />
            <span id="roots-hint" class="hint muted">
              Empty: a new directory. Or register one inside {roots.join(', ')}
            </span>
          </label>
        )}
        <button type="submit" class="primary" disabled={create.busy}>
          Create workspace
        </button>
        <FormError error={create.error} />
      </form>
    </section>
  )
}

export function WorkspaceView({ id }: { id: string }) {
  const ws = workspaces.value?.find((w) => w.id === id)
  const start = async (prompt: string, options: RunOptions) => {
    const r = await api<ExecuteResponse>('/api/v1/claude/execute', { body: { workspace_id: id, prompt, ...options } })
    navigate(`/s/${r.session_id}`)
  }
  return (
    <section class="page" aria-labelledby="ws-h">
      <h1 id="ws-h">{ws?.name ?? 'Workspace'}</h1>
      {ws && (
        <p class="muted">
          <code>{ws.path}</code>
        </p>
      )}
      <h2>New session</h2>
      <PromptBox send={start} attached={[]} detach={() => {}} label="What should Claude do?" />
      <h2>Sessions</h2>
      <SessionList workspaceId={id} />
      {ws && <Members ws={ws} />}
    </section>
  )
}
