// The owner's controls on the People panel: invite by username, change a role, remove; share links to create and revoke.
import { useEffect, useState } from 'preact/hooks'
import type { Static } from '@sinclair/typebox'
import type { ShareLink, ShareLinkCreated } from '../../src/modules/collab/model.ts'
import { api } from '../lib/auth.ts'
import { field, FormError, useAction } from '../views/forms.tsx'
import { ShownOnce } from '../views/shown-once.tsx'

type Link = Static<typeof ShareLink>
const base = (sid: string) => `/api/v1/claude/sessions/${encodeURIComponent(sid)}`

/** Invite form; the list refreshes itself from the participant_added message every tab receives. */
export function InviteForm({ sessionId }: { sessionId: string }) {
  const { busy, error, run } = useAction((username: string, role: string) =>
    api(`${base(sessionId)}/participants`, { body: { username, role } }).then(() => {}),
  )
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault()
        const form = e.currentTarget
        void run(field(e, 'username'), field(e, 'role')).then((ok) => ok && form.reset())
      }}
    >
      <label>
        Invite (username) <input name="username" required autocomplete="off" />
      </label>
      <RoleSelect name="role" label="Role of the invited user" />
      <button type="submit" class="small" disabled={busy}>
        Invite
      </button>
      <FormError error={error} />
    </form>
  )
}

export function RoleSelect(props: { name?: string; label: string; value?: string; onChange?: (r: string) => void }) {
  return (
    <select
      name={props.name}
      aria-label={props.label}
      value={props.value ?? 'collaborator'}
      onChange={(e) => props.onChange?.(e.currentTarget.value)}
    >
      <option value="collaborator">collaborator</option>
      <option value="viewer">viewer</option>
    </select>
  )
}

/** Handing the session over takes a second click: the previous owner cannot take it back. */
export function HandOver({ name, confirm }: { name: string; confirm: () => void }) {
  const [asking, setAsking] = useState(false)
  if (!asking)
    return (
      <button type="button" class="small" aria-label={`Make ${name} the owner`} onClick={() => setAsking(true)}>
        Make owner
      </button>
    )
  return (
    <span class="confirm">
      {name} becomes the owner, you a collaborator.{' '}
      <button type="button" class="small danger" onClick={() => (setAsking(false), confirm())}>
        Hand over
      </button>
      <button type="button" class="small" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  )
}

/** The app's own join address: the token rides in the fragment, which browsers never send to a server or its logs. */
export const joinUrl = (token: string) => `${location.origin}/join#${token}`

export function ShareLinks({ sessionId }: { sessionId: string }) {
  const [links, setLinks] = useState<Link[]>([])
  const [created, setCreated] = useState<string | null>(null)
  const load = () => api<{ links: Link[] }>(`${base(sessionId)}/share`).then((r) => setLinks(r.links))
  useEffect(() => void load().catch(() => {}), [sessionId])
  const create = useAction(async (role: string, hours: string) => {
    const body = { role, expires_in_s: Math.round(Number(hours) * 3600) }
    const link = await api<Static<typeof ShareLinkCreated>>(`${base(sessionId)}/share`, { body })
    setCreated(joinUrl(link.token))
    await load()
  })
  const revoke = useAction(async (id: string) => {
    await api(`${base(sessionId)}/share/${encodeURIComponent(id)}`, { method: 'DELETE' })
    await load()
  })
  return (
    <section aria-labelledby="share-h">
      <h2 id="share-h">Share links</h2>
      <form
        class="inline-form"
        onSubmit={(e) => (e.preventDefault(), void create.run(field(e, 'role'), field(e, 'hours')))}
      >
        <div class="field">
          <span aria-hidden="true">Role</span>
          <RoleSelect name="role" label="Role the link grants" />
        </div>
        <label class="hours">
          Valid for (hours) <input name="hours" type="number" min="1" max="720" defaultValue="24" required />
        </label>
        <button type="submit" class="small" disabled={create.busy}>
          Create link
        </button>
        <FormError error={create.error} />
      </form>
      {created && <ShownOnce key={created} label="New link (shown once)" value={created} copyLabel="Copy link" />}
      <FormError error={revoke.error} />
      <ul class="links" aria-label="Share links">
        {links.map((l) => (
          <li key={l.id} data-state={l.state}>
            {l.role}, {l.state}, {l.uses} use(s), until {new Date(l.expires_at).toLocaleString()}
            {l.state === 'active' && (
              <button
                type="button"
                class="small"
                onClick={() => void revoke.run(l.id)}
                aria-label={`Revoke the ${l.role} link`}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
        {links.length === 0 && <li class="muted">No links yet</li>}
      </ul>
    </section>
  )
}
