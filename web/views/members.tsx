// A workspace's members and their default session roles: listed for everyone, managed by its owner and admins.
import type { Static } from '@sinclair/typebox'
import { useEffect, useState } from 'preact/hooks'
import type { Member } from '../../src/modules/workspaces/model.ts'
import { api, me } from '../lib/auth.ts'
import type { Workspace } from '../lib/types.ts'
import { RoleSelect } from '../session/sharing.tsx'
import { field, FormError, useAction } from './forms.tsx'

type WorkspaceMember = Static<typeof Member>

export function Members({ ws }: { ws: Workspace }) {
  const base = `/api/v1/workspaces/${encodeURIComponent(ws.id)}/members`
  const [members, setMembers] = useState<WorkspaceMember[]>([])
  const load = async () => setMembers((await api<{ members: WorkspaceMember[] }>(base)).members)
  const list = useAction(load)
  useEffect(() => void list.run(), [ws.id])
  const add = useAction(async (username: string, session_role: string) => {
    await api(base, { body: { username, session_role } })
    await load()
  })
  const change = useAction(async (m: WorkspaceMember, role: string | null) => {
    const url = `${base}/${encodeURIComponent(m.user_id)}`
    await api(url, role ? { method: 'PUT', body: { session_role: role } } : { method: 'DELETE' })
    await load()
  })
  const manage = me.value?.role === 'admin' || me.value?.id === ws.owner_id
  return (
    <section class="panel members" aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <p class="muted">
        Members see every session of this workspace with their default role; the owner and admins own them all.
      </p>
      <FormError error={list.error ?? change.error} />
      <ul class="people">
        {members.map((m) => (
          <li key={m.user_id}>
            <span class="name">{m.username}</span>{' '}
            {manage ? (
              <>
                <RoleSelect
                  label={`Default role of ${m.username}`}
                  value={m.session_role}
                  onChange={(r) => void change.run(m, r)}
                />
                <button
                  type="button"
                  class="small"
                  aria-label={`Remove member ${m.username}`}
                  onClick={() => void change.run(m, null)}
                >
                  Remove
                </button>
              </>
            ) : (
              <span class="role">{m.session_role}</span>
            )}
          </li>
        ))}
        {members.length === 0 && <li class="muted">No members: only the owner and admins.</li>}
      </ul>
      {manage && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault()
            const form = e.currentTarget
            void add.run(field(e, 'username'), field(e, 'role')).then((ok) => ok && form.reset())
          }}
        >
          <label>
            Add member (username) <input name="username" required autocomplete="off" />
          </label>
          <RoleSelect name="role" label="Default role of the new member" />
          <button type="submit" class="small" disabled={add.busy}>
            Add member
          </button>
          <FormError error={add.error} />
        </form>
      )}
    </section>
  )
}
