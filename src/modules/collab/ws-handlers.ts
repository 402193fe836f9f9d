// WebSocket commands of collaboration (docs/protocol.md): join/leave, invite/remove/change_role, typing, code, cursors.
import { AppError, invalid } from '../../core/errors.ts'
import type { UserRecord } from '../../store/records.ts'
import type { AuthService } from '../auth/service.ts'
import { sessionChannel } from '../realtime/channels.ts'
import type { Connection } from '../realtime/connection.ts'
import type { Dispatcher } from '../realtime/dispatcher.ts'
import {
  ChangeRoleMessage,
  CodeChangeMessage,
  CursorUpdateMessage,
  InviteUserMessage,
  JoinMessage,
  LeaveMessage,
  RemoveUserMessage,
  TypingMessage,
} from './ws-model.ts'
import type { Collab } from './service.ts'
import type { DocChange } from './shared-doc.ts'

/** What sessionIdOf reads of every collaboration message (ws-model.ts wsMsg). */
type Msg = { type: string; channel?: string; session_id?: string; data?: { session_id?: string } }

/** The session a message is about: `session_id`, `data.session_id` or `channel: "session:<id>"`. */
export function sessionIdOf(msg: Msg): string {
  const id =
    msg.session_id ??
    msg.data?.session_id ??
    (typeof msg.channel === 'string' && msg.channel.startsWith('session:') ? msg.channel.slice(8) : undefined)
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new AppError(
      'VALIDATION_FAILED',
      422,
      `${msg.type} needs the session: {"type":"${msg.type}","session_id":"<id>",…} or "channel":"session:<id>"`,
    )
  }
  return id
}

/** The user as stored now (a disabled user or a changed role must not act with connect-time rights). */
export async function currentUser(conn: Connection, auth: AuthService): Promise<UserRecord> {
  const user = await auth.reloadUser(conn.principal!.user.id)
  if (!user || user.disabled) throw new AppError('FORBIDDEN', 403, 'Your account is disabled')
  return user
}

/** Live relays only make sense to people in the room: typing and cursors need a joined socket. */
function requireJoined(conn: Connection, sessionId: string): void {
  if (!conn.channels.has(sessionChannel(sessionId))) {
    throw new AppError('NOT_JOINED', 409, `Join the session first: {"type":"session_join","session_id":"${sessionId}"}`)
  }
}

export function registerCollabHandlers(d: Dispatcher, c: Collab): void {
  d.on('invite_user', InviteUserMessage, async (msg, { conn, auth }) => {
    const participant = await c.service.add(
      await currentUser(conn, auth),
      sessionIdOf(msg),
      msg.data.user_id,
      msg.data.role,
    )
    return { action: 'invite_user', participant }
  })
  d.on('remove_user', RemoveUserMessage, async (msg, { conn, auth }) => {
    return {
      action: 'remove_user',
      ...(await c.service.remove(await currentUser(conn, auth), sessionIdOf(msg), msg.data.user_id)),
    }
  })
  d.on('change_role', ChangeRoleMessage, async (msg, { conn, auth }) => {
    const participant = await c.service.setRole(
      await currentUser(conn, auth),
      sessionIdOf(msg),
      msg.data.user_id,
      msg.data.role,
    )
    return { action: 'change_role', participant }
  })

  for (const type of ['join_collaboration', 'session_join']) {
    d.on(type, JoinMessage, async (msg, { conn, gateway, auth }) => {
      const sessionId = sessionIdOf(msg)
      const result = await gateway.subscribe(conn, sessionChannel(sessionId), msg.data?.since)
      if ('already_subscribed' in result && result.already_subscribed) {
        // No join hook fires for a second subscribe; a client asking to join again wants a fresh state.
        const user = await currentUser(conn, auth)
        const { role } = await c.access.require(user, sessionId, 'viewer')
        gateway.sendTo(conn, 'session_state', await c.state(sessionId, user, role), sessionChannel(sessionId))
      }
      return { action: type, session_id: sessionId, ...result }
    })
  }
  for (const type of ['leave_collaboration', 'session_leave']) {
    d.on(type, LeaveMessage, (msg, { conn, gateway }) => {
      const sessionId = sessionIdOf(msg)
      return {
        action: type,
        session_id: sessionId,
        was_subscribed: gateway.unsubscribe(conn, sessionChannel(sessionId)),
      }
    })
  }

  d.on('typing', TypingMessage, async (msg, { conn, auth }) => {
    const sessionId = sessionIdOf(msg)
    requireJoined(conn, sessionId)
    const user = await currentUser(conn, auth)
    await c.access.require(user, sessionId, 'collaborator')
    const state = msg.data?.state ?? (msg.data?.is_typing === false ? 'stop' : 'start')
    const relayed = c.typing.signal(conn, sessionId, user, state)
    // Fire-and-forget by default (no reply); a client that sends an id gets one.
    return msg.id === undefined ? undefined : { action: 'typing', relayed }
  })

  d.on('code_change', CodeChangeMessage, async (msg, { conn, auth }) => {
    const sessionId = sessionIdOf(msg)
    const { version, edits, changes, language } = msg.data
    let change: DocChange
    if (edits && version !== undefined) change = { version, edits, language }
    else if (changes && !edits) change = { version, changes, language }
    else throw invalid('code_change needs data.version with data.edits, or data.changes (line/column ranges)')
    return {
      action: 'code_change',
      session_id: sessionId,
      ...(await c.docs.change(await currentUser(conn, auth), sessionId, change)),
    }
  })

  d.on('cursor_update', CursorUpdateMessage, async (msg, { conn, gateway, auth }) => {
    const sessionId = sessionIdOf(msg)
    requireJoined(conn, sessionId)
    const { position, selection } = msg.data
    if (position === undefined && selection === undefined)
      throw new AppError('VALIDATION_FAILED', 422, 'cursor_update needs data.position or data.selection')
    const user = await currentUser(conn, auth)
    await c.access.require(user, sessionId, 'viewer')
    if (position !== undefined) c.cursors.set(sessionId, user.id, position)
    gateway.relayToOthers(conn, sessionChannel(sessionId), 'cursor_update', {
      session_id: sessionId,
      user_id: user.id,
      username: user.username,
      ...(position === undefined ? {} : { position }),
      ...(selection === undefined ? {} : { selection }),
    })
    return msg.id === undefined ? undefined : { action: 'cursor_update', relayed: true }
  })
}
