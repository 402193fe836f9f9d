// The session's side panel: who is here (presence, roles); the files have their own panel (files-panel.tsx).
import { HandOver, InviteForm, RoleSelect } from './sharing.tsx'

export interface Participant {
  user_id: string
  username: string
  role: string
  /** Only roles from `participant` are the session owner's to change; owner and workspace roles are not. */
  source?: string
  connections: number
}

interface PeopleProps {
  list: Participant[]
  /** The owner's actions (null for everyone else): change a participant's role, remove them. */
  manage: {
    setRole: (userId: string, role: string) => void
    remove: (userId: string) => void
    /** Makes them the owner; this user becomes a collaborator (unless the workspace makes them more). */
    handOver: (userId: string) => void
  } | null
  sessionId: string
  error: string | null
}

export function Participants({ list, manage, sessionId, error }: PeopleProps) {
  return (
    <section aria-labelledby="people-h">
      <h2 id="people-h">People</h2>
      <ul class="people">
        {list.map((p) => (
          <li key={p.user_id} data-online={p.connections > 0}>
            <span class={`presence ${p.connections > 0 ? 'on' : 'off'}`} aria-hidden="true" />
            <span class="name">{p.username}</span>{' '}
            {manage && p.source === 'participant' ? (
              <>
                <RoleSelect
                  label={`Role of ${p.username}`}
                  value={p.role}
                  onChange={(r) => manage.setRole(p.user_id, r)}
                />
                <button
                  type="button"
                  class="small"
                  aria-label={`Remove ${p.username}`}
                  onClick={() => manage.remove(p.user_id)}
                >
                  Remove
                </button>
              </>
            ) : (
              <span class="role">{p.role}</span>
            )}
            {manage && p.role !== 'owner' && <HandOver name={p.username} confirm={() => manage.handOver(p.user_id)} />}
            <span class="sr">{p.connections > 0 ? `online in ${p.connections} tab(s)` : 'offline'}</span>
          </li>
        ))}
      </ul>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {manage && <InviteForm sessionId={sessionId} />}
    </section>
  )
}
