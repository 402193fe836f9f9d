// A new session row and its owner's participant row: how both ways into a session (a prompt, an import) start one.
import type { SessionRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'

export async function createSession(
  store: Store,
  fields: Pick<SessionRecord, 'workspace_id' | 'owner_id' | 'title' | 'cli_session_id'>,
): Promise<SessionRecord> {
  const now = Date.now()
  const session: SessionRecord = {
    id: crypto.randomUUID(),
    ...fields,
    status: 'active',
    model: null,
    total_cost_usd: 0,
    usage: {},
    created_at: now,
    updated_at: now,
    closed_at: null,
  }
  await store.sessions.create(session)
  await store.sessions.putParticipant({
    session_id: session.id,
    user_id: fields.owner_id,
    role: 'owner',
    created_at: now,
  })
  return session
}
