// Open streams per user on every node, so CCHUB_WS_MAX_CONNECTIONS_PER_USER holds across the cluster.
import type { RedisClient } from 'bun'
import type { Logger } from '../../core/logger.ts'
import type { SharedKeys } from './model.ts'
import { orUnavailable } from './unavailable.ts'

/** Sums the user's count over the other nodes whose lease is current; a dead node's hash is not counted. */
const OTHERS = `
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. id) == 1 then
    n = n + tonumber(redis.call('HGET', ARGV[3] .. id, ARGV[4]) or '0')
  end
end
return n`

export interface SharedConnectionsDeps {
  redis: RedisClient
  keys: SharedKeys
  nodeId: string
  leaseMs: number
  logger: Logger
}

/**
 * This node writes only its own hash (user → open streams here, absolute counts kept in memory too), so its counts
 * need no locking and are written again whole if Redis lost them; the check reads the others' in one script. Two
 * upgrades of one user on two nodes in the same instant may both pass: the cap can be exceeded by the upgrades in
 * flight, never by more.
 */
export class SharedConnections {
  private readonly own: string
  private readonly counts = new Map<string, number>()

  constructor(private readonly d: SharedConnectionsDeps) {
    this.own = d.keys.connections(d.nodeId)
  }

  /** The user's streams on the other live nodes. */
  async others(userId: string): Promise<number> {
    const { keys, nodeId } = this.d
    const args = [OTHERS, '1', keys.nodes, nodeId, keys.leasePrefix, keys.connectionsPrefix, userId]
    return Number(await orUnavailable(this.d.redis.send('EVAL', args)))
  }

  /** One more (or, with -1, one fewer) stream of `userId` here; written at once, at most once, like all on Redis. */
  count(userId: string, delta: 1 | -1): void {
    const n = (this.counts.get(userId) ?? 0) + delta
    if (n > 0) this.counts.set(userId, n)
    else this.counts.delete(userId)
    const { redis } = this.d
    const write = n > 0 ? redis.send('HSET', [this.own, userId, String(n)]) : redis.send('HDEL', [this.own, userId])
    Promise.all([write, redis.send('PEXPIRE', [this.own, String(this.d.leaseMs)])]).catch((err) =>
      this.d.logger.warn('shared connection count failed', { error: String(err) }),
    )
  }

  /** Keeps this node's counts alive for another lease; writes them all again when Redis no longer has them. */
  async refresh(): Promise<void> {
    const { redis, leaseMs } = this.d
    if ((await redis.send('PEXPIRE', [this.own, String(leaseMs)])) === 1 || !this.counts.size) return
    await redis.send('HSET', [this.own, ...[...this.counts].flatMap(([u, n]) => [u, String(n)])])
    await redis.send('PEXPIRE', [this.own, String(leaseMs)])
  }
}
