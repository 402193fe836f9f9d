// The other nodes' presence entries, kept in memory from their changes on the control channel and their Redis hashes.
import type { RedisClient } from 'bun'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { EventBus } from '../../bus/event-bus.ts'
import type { Logger } from '../../core/logger.ts'
import type { OnlineUser, OtherNodes, RemotePresenceHandler } from '../collab/presence-nodes.ts'
import { PresenceChange, PresenceInfo, type SharedKeys } from './model.ts'

const isChange = TypeCompiler.Compile(PresenceChange)
const isInfo = TypeCompiler.Compile(PresenceInfo)
const TYPE = 'presence'

export interface SharedPresenceDeps {
  redis: RedisClient
  keys: SharedKeys
  nodeId: string
  leaseMs: number
  control: EventBus
  logger: Logger
}

/**
 * Each node writes its own entries (hash `presence:<node>`, expiring with it) and announces every change; the others
 * apply it to their copy. A node whose lease is gone is dropped from the copy (its users leave, `disconnected`);
 * after a break in the control channel the copy is read again from the hashes.
 */
export class SharedPresence implements OtherNodes {
  /** session → user → node → entry */
  private readonly sessions = new Map<string, Map<string, Map<string, PresenceInfo>>>()
  /** This node's own entries (`<session>|<user>`), announced again after a break: the others may have dropped them. */
  private readonly own = new Map<string, PresenceInfo>()
  private handler: RemotePresenceHandler = () => {}
  private readonly offs: (() => void)[] = []

  constructor(private readonly d: SharedPresenceDeps) {}

  async start(): Promise<void> {
    this.offs.push(
      this.d.control.subscribe((m) => {
        if (m.type !== TYPE || m.origin === undefined || m.origin === this.d.nodeId) return
        const c: unknown = JSON.parse(m.frame)
        if (isChange.Check(c)) this.apply(m.origin, c.session_id, c.user_id, c.info, c.reason)
      }),
      this.d.control.onReconnect(() => {
        for (const [field, info] of this.own) this.announce(field, info, 'joined')
        void this.reload().catch(() => {})
      }),
    )
    await this.reload()
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off()
  }

  onChange(handler: RemotePresenceHandler): void {
    this.handler = handler
  }

  users(sessionId: string): OnlineUser[] {
    const out: OnlineUser[] = []
    for (const [userId, nodes] of this.sessions.get(sessionId) ?? []) out.push(merge(userId, nodes))
    return out
  }

  has(sessionId: string, userId: string): boolean {
    return this.sessions.get(sessionId)?.has(userId) ?? false
  }

  share(sessionId: string, userId: string, info: PresenceInfo | null, reason: string): void {
    const field = `${sessionId}|${userId}`
    if (info) this.own.set(field, info)
    else this.own.delete(field)
    this.announce(field, info, reason)
  }

  /** Writes the entry to this node's hash and tells the other nodes. */
  private announce(field: string, info: PresenceInfo | null, reason: string): void {
    const { redis, keys, nodeId, leaseMs } = this.d
    const own = keys.presence(nodeId)
    const [sessionId, userId] = field.split('|') as [string, string]
    const write = info
      ? Promise.all([
          redis.send('HSET', [own, field, JSON.stringify(info)]),
          redis.send('PEXPIRE', [own, String(leaseMs)]),
        ])
      : redis.send('HDEL', [own, field])
    write.catch((err) => this.d.logger.warn('shared presence write failed', { error: String(err) }))
    const change: PresenceChange = { session_id: sessionId, user_id: userId, info, reason }
    this.d.control.publish({ channel: TYPE, type: TYPE, frame: JSON.stringify(change), origin: nodeId })
  }

  /** Keeps this node's entries for another lease, and forgets nodes whose lease is gone. */
  async refresh(): Promise<void> {
    const { redis, keys } = this.d
    await redis.send('PEXPIRE', [keys.presence(this.d.nodeId), String(this.d.leaseMs)])
    for (const node of this.nodes()) {
      if ((await redis.send('EXISTS', [keys.lease(node)])) !== 1) this.replaceNode(node, new Map())
    }
  }

  /** Reads every live node's hash and replaces what this copy holds of it. */
  private async reload(): Promise<void> {
    const { redis, keys, nodeId } = this.d
    const live = new Set<string>()
    for (const node of (await redis.send('ZRANGE', [keys.nodes, '0', '-1'])) as string[]) {
      if (node === nodeId || (await redis.send('EXISTS', [keys.lease(node)])) !== 1) continue
      live.add(node)
      const hash = (await redis.send('HGETALL', [keys.presence(node)])) as Record<string, string>
      const entries = new Map<string, PresenceInfo>()
      for (const [field, json] of Object.entries(hash)) {
        const info: unknown = JSON.parse(json)
        if (isInfo.Check(info)) entries.set(field, info)
      }
      this.replaceNode(node, entries)
    }
    for (const node of this.nodes()) if (!live.has(node)) this.replaceNode(node, new Map())
  }

  private replaceNode(node: string, entries: Map<string, PresenceInfo>): void {
    for (const [sessionId, users] of [...this.sessions])
      for (const [userId, nodes] of [...users])
        if (nodes.has(node) && !entries.has(`${sessionId}|${userId}`))
          this.apply(node, sessionId, userId, null, 'disconnected')
    for (const [field, info] of entries) {
      const [sessionId, userId] = field.split('|') as [string, string]
      this.apply(node, sessionId, userId, info, 'joined')
    }
  }

  private nodes(): Set<string> {
    const out = new Set<string>()
    for (const users of this.sessions.values())
      for (const nodes of users.values()) for (const n of nodes.keys()) out.add(n)
    return out
  }

  private apply(node: string, sessionId: string, userId: string, info: PresenceInfo | null, reason: string): void {
    let users = this.sessions.get(sessionId)
    const before = users?.get(userId)
    const last = before && merge(userId, before)
    if (info) {
      if (!users) this.sessions.set(sessionId, (users = new Map()))
      users.set(userId, (before ?? new Map()).set(node, info))
    } else if (before?.delete(node) && !before.size) {
      users!.delete(userId)
      if (!users!.size) this.sessions.delete(sessionId)
    }
    const now = users?.get(userId)
    if (!before && now) this.handler(sessionId, merge(userId, now), true, reason)
    else if (last && !now) this.handler(sessionId, last, false, reason)
  }
}

/** One user's entries on several nodes as one: their connections summed. */
function merge(userId: string, nodes: Map<string, PresenceInfo>): OnlineUser {
  const all = [...nodes.values()]
  const first = all[0]!
  return {
    user_id: userId,
    username: first.username,
    role: first.role,
    connections: all.reduce((n, e) => n + e.connections, 0),
  }
}
