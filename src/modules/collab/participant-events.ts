// Announces a change to a session's participants: the durable event, presence's view, and the access re-check.
import type { Signals } from '../../core/signals.ts'
import type { SessionRecord, SessionRole, UserRecord } from '../../store/records.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import { sessionChannel } from '../realtime/channels.ts'
import type { Presence } from './presence.ts'

export interface AnnounceDeps {
  log: ChannelLog
  signals: Signals
  presence: Presence
}

/**
 * Publishes the change on session:<id> (durable), updates presence, drops sockets that lost access (`drop`), and has
 * the rest re-checked.
 */
export async function announceChange(
  deps: AnnounceDeps,
  session: SessionRecord,
  target: UserRecord,
  type: string,
  data: Record<string, unknown>,
  by: UserRecord | null,
  drop = false,
): Promise<void> {
  await deps.log.emit(sessionChannel(session.id), type, {
    session_id: session.id,
    user_id: target.id,
    username: target.username,
    ...data,
    by: by?.id ?? null,
    by_username: by?.username ?? null,
  })
  const role = (data.role ?? data.remaining_role) as SessionRole | null | undefined
  if (role) deps.presence.setRole(session.id, target.id, role)
  if (drop) deps.presence.dropUser(session.id, target.id)
  deps.signals.emit('access-changed', { sessionId: session.id, userId: target.id })
}
