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
 * This node writes only its own hash (user → open streams here), so its counts need no locking; the check reads the
 * others' in one script. Two upgrades of one user on two nodes in the same instant may both pass: the cap can be
 * exceeded by the upgrades in flight, never by more.
 */
export class SharedConnections {
  private readonly own: string

  constructor(private readonly d: SharedConnectionsDeps) {
    this.own = d.keys.connections(d.nodeId)
  }

  /** The user's streams on the other live nodes. */
  async others(userId: string): Promise<number> {
    const { keys, nodeId } = this.d
    const args = [OTHERS, '1', keys.nodes, nodeId, keys.leasePrefix, keys.connectionsPrefix, userId]
    return Number(await orUnavailable(this.d.redis.send('EVAL', args)))
  }

  /** One more (or, with -1, one fewer) stream of `userId` here; at most once, like everything on Redis. */
  count(userId: string, delta: 1 | -1): void {
    const { redis } = this.d
    // a field left at 0 costs a few bytes until the node's hash goes; deleting it would race the next increment
    Promise.all([
      redis.send('HINCRBY', [this.own, userId, String(delta)]),
      redis.send('PEXPIRE', [this.own, String(this.d.leaseMs)]),
    ]).catch((err) => this.d.logger.warn('shared connection count failed', { error: String(err) }))
  }

  /** Keeps this node's counts alive for another lease. */
  async refresh(): Promise<void> {
    await this.d.redis.send('PEXPIRE', [this.own, String(this.d.leaseMs)])
  }
}
