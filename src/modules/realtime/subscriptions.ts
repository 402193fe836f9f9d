// A socket's channel subscriptions: the read check, replay then live join, leaves, and the modules that watch them.
import { AppError } from '../../core/errors.ts'
import type { AuthService } from '../auth/service.ts'
import type { ChannelLog } from './channel-log.ts'
import { kindOf, parseChannel, type ChannelAccess } from './channels.ts'
import type { Connection } from './connection.ts'
import { reply } from './envelope.ts'
import type { ChannelMembers } from './members.ts'
import type { Replayer } from './replay.ts'
import type { GatewayStats } from './stats.ts'

export type LeaveReason = 'unsubscribe' | 'closed' | 'revoked'
export interface ChannelWatcher {
  join(conn: Connection, channel: string): void | Promise<void>
  leave(conn: Connection, channel: string, why: LeaveReason): void
}

export interface SubscriptionDeps {
  auth: Pick<AuthService, 'reloadUser'>
  access: ChannelAccess
  log: Pick<ChannelLog, 'publishedHead'>
  replayer: Replayer
}

export class Subscriptions {
  private readonly watchers = new Map<string, ChannelWatcher[]>()

  constructor(
    private readonly deps: SubscriptionDeps,
    private readonly members: ChannelMembers,
    private readonly stats: GatewayStats,
  ) {}

  async subscribe(conn: Connection, channelName: string, since?: number) {
    const channel = parseChannel(channelName)
    // The user as stored now, not as at connect time: a role change must not leave a socket with its old rights.
    const user = await this.deps.auth.reloadUser(conn.principal!.user.id)
    if (!user || user.disabled) throw new AppError('FORBIDDEN', 403, `You may not subscribe to ${channel.name}`)
    conn.principal!.user = user
    await this.deps.access.assertRead(user, channel)
    if (conn.channels.has(channel.name))
      return { channel: channel.name, already_subscribed: true, seq: this.deps.log.publishedHead(channel.name) }
    const result = await this.deps.replayer.replayThenJoin(
      conn.replaySink(() => this.members.joinLive(conn, channel.name)),
      channel.name,
      since,
      conn.userId ?? '',
      this.stats,
    )
    if (!conn.closed) {
      conn.channels.add(channel.name)
      this.stats.subscribed(channel.name)
      this.members.add(conn, channel.name)
      for (const w of this.watchersOf(channel.name)) await w.join(conn, channel.name)
    }
    return result
  }

  /** Joins the channel the endpoint promised (e.g. task:<id> for /ws/executions/:id), reporting it as a success. */
  async joinPromised(conn: Connection): Promise<void> {
    const join = conn.autoJoin
    conn.autoJoin = null
    if (!join) return
    try {
      const result = await this.subscribe(conn, join.channel, join.since)
      conn.send(reply('success', undefined, { action: 'subscribe', ...result }))
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('INTERNAL_ERROR', 500, 'subscribe failed')
      conn.send(reply('error', undefined, { code: e.code, message: e.message }))
    }
  }

  unsubscribe(conn: Connection, channel: string, why: LeaveReason = 'unsubscribe'): boolean {
    if (!conn.channels.delete(channel)) return false
    this.leave(conn, channel)
    for (const w of this.watchersOf(channel)) w.leave(conn, channel, why)
    return true
  }

  /** The socket is gone: it leaves every channel it followed. */
  leaveAll(conn: Connection): void {
    for (const ch of [...conn.channels]) this.unsubscribe(conn, ch, 'closed')
  }

  /**
   * Lets a module follow joins and leaves of one channel kind (presence); join runs after the subscribe reply data is
   * ready.
   */
  watch(kind: string, watcher: ChannelWatcher): void {
    this.watchers.set(kind, [...(this.watchers.get(kind) ?? []), watcher])
  }

  private leave(conn: Connection, channel: string): void {
    this.stats.unsubscribed(channel)
    this.members.leave(conn, channel)
  }

  private watchersOf(channel: string): ChannelWatcher[] {
    return this.watchers.get(kindOf(channel)) ?? []
  }
}
