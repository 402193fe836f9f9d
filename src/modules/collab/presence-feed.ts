// The presence feed: participant_joined and participant_left frames, live-only and in order per session.
import type { Logger } from '../../core/logger.ts'
import type { Gateway } from '../realtime/gateway.ts'
import type { KeyedQueue } from './keyed-queue.ts'
import { sendToSession } from './live.ts'

/** A frame's type and data, or null when there is nothing to say after all (the user lost access meanwhile). */
export type PresenceFrame = [string, Record<string, unknown>] | null

/**
 * Live-only, in order per session. Not stored: presence is state, not history. Stored, every tab opening and
 * closing would fill the session log (and the history in session_state) and push the conversation out; who is
 * online now comes from session_state and GET …/participants, and participant_added/removed stay durable.
 */
export function publishPresence(
  deps: { gateway: Gateway; queue: KeyedQueue; logger: Logger },
  sessionId: string,
  make: () => Promise<PresenceFrame>,
): void {
  const job = async () => {
    const msg = await make()
    if (msg) sendToSession(deps.gateway, sessionId, msg[0], msg[1])
  }
  void deps.queue.run(`presence:${sessionId}`, job).catch((err) => {
    deps.logger.warn('presence publish failed', { session_id: sessionId, error: String(err) })
  })
}
