// Who is in a session right now: one presence per user however many tabs, with a grace period for dropped sockets.
import type { Clock } from '../../core/clock.ts'
import type { Logger } from '../../core/logger.ts'
import type { SessionRole, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { SessionAccess } from '../sessions/access.ts'
import { sessionChannel } from '../realtime/channels.ts'
import type { Connection } from '../realtime/connection.ts'
import type { Gateway } from '../realtime/gateway.ts'
import type { LeaveReason } from '../realtime/subscriptions.ts'
import type { KeyedQueue } from './keyed-queue.ts'
import { publishPresence, type PresenceFrame } from './presence-feed.ts'
import type { OnlineUser, OtherNodes } from './presence-nodes.ts'
import type { CollabTiming } from './roles.ts'

interface Entry {
  userId: string
  username: string
  role: SessionRole
  conns: Set<Connection>
  /** Cancels the pending leave: set while the user's last socket dropped and the grace period runs. */
  leaveTimer?: () => void
}

export interface PresenceDeps {
  store: Store
  access: SessionAccess
  gateway: Gateway
  queue: KeyedQueue
  timing: CollabTiming
  clock: Clock
  logger: Logger
  /** Sends session_state to a socket that just joined. */
  onJoin: (conn: Connection, sessionId: string, role: SessionRole) => Promise<void>
  /** The user is no longer present (typing indicators stop). */
  onGone: (sessionId: string, userId: string) => void
  /** Without it (a single node) presence is this node's sockets only. */
  others?: OtherNodes
}

export class Presence {
  private readonly sessions = new Map<string, Map<string, Entry>>()

  constructor(private readonly deps: PresenceDeps) {
    deps.others?.onChange((sessionId, user, present, reason) => this.remoteChanged(sessionId, user, present, reason))
  }

  /** Hook for gateway.watch('session'): runs after a successful subscribe and on every kind of leave. */
  watcher() {
    return {
      join: (conn: Connection, channel: string) => this.join(conn, channel.slice('session:'.length)),
      leave: (conn: Connection, channel: string, why: LeaveReason) =>
        this.leave(conn, channel.slice('session:'.length), why),
    }
  }

  /** Everyone present on any node, one entry per user with their connections summed. */
  online(sessionId: string): OnlineUser[] {
    const byUser = new Map<string, OnlineUser>()
    for (const u of this.deps.others?.users(sessionId) ?? []) byUser.set(u.user_id, u)
    for (const e of this.sessions.get(sessionId)?.values() ?? []) {
      const remote = byUser.get(e.userId)?.connections ?? 0
      byUser.set(e.userId, {
        user_id: e.userId,
        username: e.username,
        role: e.role,
        connections: e.conns.size + remote,
      })
    }
    return [...byUser.values()]
  }

  connections(sessionId: string, userId: string): number {
    const remote = this.deps.others?.users(sessionId).find((u) => u.user_id === userId)?.connections ?? 0
    return (this.sessions.get(sessionId)?.get(userId)?.conns.size ?? 0) + remote
  }

  /** True from the first join until participant_left (so also during a dropped socket's grace period). */
  isPresent(sessionId: string, userId: string): boolean {
    return (this.sessions.get(sessionId)?.has(userId) ?? false) || (this.deps.others?.has(sessionId, userId) ?? false)
  }

  /** Keeps the role shown in presence in step with a role change. */
  setRole(sessionId: string, userId: string, role: SessionRole): void {
    const e = this.sessions.get(sessionId)?.get(userId)
    if (e) e.role = role
  }

  /**
   * Unsubscribes every socket of `userId` from the session now (same tick), instead of waiting for the gateway's
   * asynchronous access re-check: a removed participant must not receive one more message.
   */
  dropUser(sessionId: string, userId: string): number {
    const channel = sessionChannel(sessionId)
    let n = 0
    for (const conn of [...this.deps.gateway.connections.values()]) {
      if (conn.userId !== userId || !conn.channels.has(channel)) continue
      if (this.deps.gateway.unsubscribe(conn, channel, 'revoked')) {
        this.deps.gateway.sendTo(conn, 'unsubscribed', { reason: 'access revoked' }, channel)
        n++
      }
    }
    return n
  }

  private async join(conn: Connection, sessionId: string): Promise<void> {
    const user = conn.principal?.user
    if (!user) return
    let users = this.sessions.get(sessionId)
    if (!users) this.sessions.set(sessionId, (users = new Map()))
    let entry = users.get(user.id)
    // A pending leave (dropped socket within the grace period) counts as still present: no joined/left pair; so does
    // a socket of the user on another node.
    const first = !entry && !this.deps.others?.has(sessionId, user.id)
    if (!entry)
      users.set(user.id, (entry = { userId: user.id, username: user.username, role: 'viewer', conns: new Set() }))
    entry.leaveTimer?.()
    entry.leaveTimer = undefined
    entry.conns.add(conn)
    const role = this.roleOf(user, sessionId)
    // Queued now, not after the role lookup: a leave that follows at once must publish after this joined.
    if (first) {
      this.publish(sessionId, async () => {
        const r = await role
        if (!r) return null
        entry.role = r
        return [
          'participant_joined',
          {
            session_id: sessionId,
            user_id: user.id,
            username: user.username,
            role: r,
            connections: this.connections(sessionId, user.id),
          },
        ]
      })
    }
    try {
      const r = await role
      if (r && entry.conns.has(conn)) {
        entry.role = r
        this.share(sessionId, entry, 'joined')
        await this.deps.onJoin(conn, sessionId, r)
      }
    } catch (err) {
      this.deps.logger.warn('session join hook failed', {
        session_id: sessionId,
        connection_id: conn.id,
        error: String(err),
      })
    }
  }

  private async roleOf(user: UserRecord, sessionId: string): Promise<SessionRole | null> {
    const session = await this.deps.store.sessions.byId(sessionId)
    return session ? this.deps.access.roleOf(user, session) : null
  }

  private leave(conn: Connection, sessionId: string, why: LeaveReason): void {
    const users = this.sessions.get(sessionId)
    const entry = conn.userId ? users?.get(conn.userId) : undefined
    if (!users || !entry?.conns.delete(conn)) return
    this.share(sessionId, entry, 'left')
    if (entry.conns.size) return
    const gone = (reason: string) => {
      if (users.get(entry.userId) !== entry || entry.conns.size) return
      users.delete(entry.userId)
      if (!users.size && this.sessions.get(sessionId) === users) this.sessions.delete(sessionId)
      this.deps.others?.share(sessionId, entry.userId, null, reason)
      // still on another node: present for everyone, no participant_left
      if (this.deps.others?.has(sessionId, entry.userId)) return
      this.deps.onGone(sessionId, entry.userId)
      this.publish(sessionId, async () => [
        'participant_left',
        {
          session_id: sessionId,
          user_id: entry.userId,
          username: entry.username,
          role: entry.role,
          connections: 0,
          reason,
        },
      ])
    }
    if (why !== 'closed') return gone(why === 'revoked' ? 'access_revoked' : 'left')
    entry.leaveTimer?.()
    entry.leaveTimer = this.deps.clock.after(this.deps.timing.presenceGraceMs, () => gone('disconnected'))
  }

  /** A user with no socket here began or stopped being present on the other nodes: this node's sockets are told. */
  private remoteChanged(sessionId: string, user: OnlineUser, present: boolean, reason: string): void {
    if (this.sessions.get(sessionId)?.has(user.user_id)) return
    if (!present) this.deps.onGone(sessionId, user.user_id)
    const data = { session_id: sessionId, ...user, ...(present ? {} : { connections: 0, reason }) }
    this.publish(sessionId, async () => [present ? 'participant_joined' : 'participant_left', data])
  }

  private share(sessionId: string, e: Entry, reason: string): void {
    const info = { username: e.username, role: e.role, connections: e.conns.size }
    this.deps.others?.share(sessionId, e.userId, info, reason)
  }

  private publish(sessionId: string, make: () => Promise<PresenceFrame>): void {
    publishPresence(this.deps, sessionId, make)
  }
}
