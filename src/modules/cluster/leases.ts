// Node leases in Redis: this node's heartbeat, and noticing (with exactly one survivor acting) when another's expired.
import type { RedisClient } from 'bun'
import type { Clock } from '../../core/clock.ts'
import type { Logger } from '../../core/logger.ts'
import type { ClusterKeys, NodeInfo } from './model.ts'

export interface LeaseDeps {
  redis: RedisClient
  keys: ClusterKeys
  info: NodeInfo
  leaseMs: number
  clock: Clock
  logger: Logger
  /** Called on exactly one surviving node per dead node; the node stays listed (and is retried) until it resolves. */
  onDead: (nodeId: string) => Promise<void>
}

/**
 * The lease key lives `leaseMs` and is renewed every third of it, so two renewals may fail before it lapses. Every
 * check (also every third) looks for listed nodes whose lease is gone: a dead node is noticed at most
 * `leaseMs + leaseMs / 3` after its last renewal.
 */
export class NodeLeases {
  private stopTimer: (() => void) | undefined
  private ticking: Promise<void> = Promise.resolve()

  constructor(private deps: LeaseDeps) {}

  get checkIntervalMs(): number {
    return Math.max(1, Math.floor(this.deps.leaseMs / 3))
  }

  /** The address this node listens on, known only once it listens (before `start`). */
  advertise(url: string): void {
    this.deps.info = { ...this.deps.info, url }
  }

  async start(): Promise<void> {
    await this.renew()
    this.stopTimer = this.deps.clock.every(this.checkIntervalMs, () => {
      // one tick at a time: a slow Redis must not pile up renewals and reaps
      this.ticking = this.ticking.then(() => this.tick())
    })
  }

  /** Leaves the cluster: the lease is dropped at once, so nobody waits for it to lapse. */
  async stop(): Promise<void> {
    this.stopTimer?.()
    await this.ticking
    const { redis, keys, info } = this.deps
    await redis.send('DEL', [keys.lease(info.id)])
    await redis.send('ZREM', [keys.nodes, info.id])
  }

  /** Nodes whose lease is current. */
  async live(): Promise<NodeInfo[]> {
    const { redis, keys } = this.deps
    const ids = (await redis.send('ZRANGE', [keys.nodes, '0', '-1'])) as string[]
    if (ids.length === 0) return []
    const infos = (await redis.send('MGET', ids.map(keys.lease))) as (string | null)[]
    return infos.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as NodeInfo)
  }

  private async tick(): Promise<void> {
    try {
      await this.renew()
      await this.reapExpired()
    } catch (err) {
      this.deps.logger.warn('cluster lease check failed (retried on the next one)', { error: String(err) })
    }
  }

  private async renew(): Promise<void> {
    const { redis, keys, info, leaseMs, clock } = this.deps
    await redis.send('SET', [keys.lease(info.id), JSON.stringify(info), 'PX', String(leaseMs)])
    await redis.send('ZADD', [keys.nodes, String(clock.now()), info.id])
  }

  /** Every node not yet reaped: the live ones and those whose lease just lapsed. */
  async known(): Promise<string[]> {
    return (await this.deps.redis.send('ZRANGE', [this.deps.keys.nodes, '0', '-1'])) as string[]
  }

  private async reapExpired(): Promise<void> {
    for (const id of await this.known()) if (id !== this.deps.info.id) await this.reap(id)
  }

  /**
   * Has `id`'s executions interrupted if its lease is gone (also between two checks, for a request that cannot
   * wait for the next one). `busy`: another survivor holds its reap lock (and is at it).
   */
  async reap(id: string): Promise<'alive' | 'reaped' | 'busy'> {
    const { redis, keys, info, leaseMs } = this.deps
    if ((await redis.send('EXISTS', [keys.lease(id)])) === 1) return 'alive'
    // SET NX PX: one survivor per dead node; if it dies while reaping, the lock lapses and another one retries
    const won = await redis.send('SET', [keys.reapLock(id), info.id, 'NX', 'PX', String(leaseMs)])
    if (won !== 'OK') return 'busy'
    this.deps.logger.warn('cluster node stopped responding; interrupting its executions', { node: id })
    await this.deps.onDead(id)
    await redis.send('ZREM', [keys.nodes, id])
    return 'reaped'
  }
}
