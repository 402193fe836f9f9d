// Which node has which executions and sessions, kept in Redis next to the nodes' leases.
import type { RedisClient } from 'bun'
import type { Logger } from '../../core/logger.ts'
import type { ExecutionPlacement } from '../claude/engine/execution-engine.ts'
import type { ClusterKeys } from './model.ts'

// A session's owner stands while its lease does: a dead or missing owner is replaced by the caller (claim) or read
// as none. One script, so two nodes claiming at once agree on who won. Each use renews the key for OWNER_TTL_MS: the
// owner matters while its CLI process lives (CCHUB_CLAUDE_PROCESS_IDLE_TTL), and ids nobody uses do not pile up.
const OWNER_TTL_MS = 86_400_000
const RESOLVE_OWNER = `
local cur = redis.call('GET', KEYS[1])
if cur and (cur == ARGV[1] or redis.call('EXISTS', ARGV[2] .. cur) == 1) then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return cur
end
if ARGV[3] == '1' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4]) return ARGV[1] end
return false
`

export class RedisPlacement implements ExecutionPlacement {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: ClusterKeys,
    private readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  placed(executionId: string): void {
    this.write('SADD', executionId)
  }

  finished(executionId: string): void {
    this.write('SREM', executionId)
  }

  /** Executions `node` took and did not finish. */
  members(node: string): Promise<string[]> {
    return this.redis.send('SMEMBERS', [this.keys.executions(node)]) as Promise<string[]>
  }

  /** The node among `nodes` that took the execution and has not finished it, or null. */
  async holder(executionId: string, nodes: string[]): Promise<string | null> {
    const held = await Promise.all(
      nodes.map((n) => this.redis.send('SISMEMBER', [this.keys.executions(n), executionId])),
    )
    return nodes[held.indexOf(1)] ?? null
  }

  async forget(node: string): Promise<void> {
    await this.redis.send('DEL', [this.keys.executions(node)])
  }

  /**
   * The node that owns the session while its lease holds; with `claim`, a session without a live owner becomes
   * this node's (and this node's id is returned), else null.
   */
  async owner(sessionId: string, claim: boolean): Promise<string | null> {
    const args = [
      this.keys.sessionOwner(sessionId),
      this.nodeId,
      this.keys.leasePrefix,
      claim ? '1' : '0',
      String(OWNER_TTL_MS),
    ]
    const owner = (await this.redis.send('EVAL', [RESOLVE_OWNER, '1', ...args])) as string | null
    return owner || null
  }

  private write(command: 'SADD' | 'SREM', executionId: string): void {
    // commands on one connection run in order, so a finish never overtakes its placement
    this.redis.send(command, [this.keys.executions(this.nodeId), executionId]).catch((err) => {
      this.logger.error('cluster: could not record an execution placement', {
        execution_id: executionId,
        error: String(err),
      })
    })
  }
}
