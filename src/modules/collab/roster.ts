// The roster of a session: everyone with a role on it, by where the role comes from, with their presence.
import { iso } from '../../core/iso.ts'
import type { SessionRecord, SessionRole } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { Presence } from './presence.ts'
import { RANK } from './roles.ts'

/** Its owner, explicit participants and the workspace's owner and members; an admin shows as an owner. */
export async function roster(deps: { store: Store; presence: Presence }, session: SessionRecord) {
  const sessionId = session.id
  const rows = new Map<
    string,
    { role: SessionRole; source: 'owner' | 'participant' | 'workspace'; created_at: number | null }
  >()
  const ws = await deps.store.workspaces.byId(session.workspace_id)
  if (ws) rows.set(ws.owner_id, { role: 'owner', source: 'workspace', created_at: null })
  for (const m of ws ? await deps.store.workspaces.members(ws.id) : [])
    rows.set(m.user_id, { role: m.session_role, source: 'workspace', created_at: null })
  // An explicit participant row counts when it is higher than the workspace role, as in SessionAccess.roleOf.
  for (const p of await deps.store.sessions.participants(sessionId)) {
    const byWorkspace = rows.get(p.user_id)
    if (!byWorkspace || RANK[p.role] > RANK[byWorkspace.role])
      rows.set(p.user_id, { role: p.role, source: 'participant', created_at: p.created_at })
  }
  const own = rows.get(session.owner_id)
  rows.set(session.owner_id, { role: 'owner', source: 'owner', created_at: own?.created_at ?? session.created_at })
  const participants = []
  for (const [id, r] of rows) {
    const u = await deps.store.users.byId(id)
    if (!u) continue
    const connections = deps.presence.connections(sessionId, id)
    participants.push({
      user_id: id,
      username: u.username,
      display_name: u.display_name,
      role: u.role === 'admin' ? 'owner' : r.role,
      source: r.source,
      online: deps.presence.isPresent(sessionId, id),
      connections,
      created_at: iso(r.created_at),
    })
  }
  return participants
}
