// Sends a session's commands to the node holding its CLI process, and serves the ones other nodes send here.
import { existsSync, statSync } from 'node:fs'
import { AppError } from '../../core/errors.ts'
import type { UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { RedisPlacement } from './placement.ts'
import { redisDown, unavailable, type NodeRpc } from './rpc.ts'

interface Routed {
  user_id: string
  args: unknown
}

export interface RouterDeps {
  store: Store
  placement: RedisPlacement
  rpc: NodeRpc
  nodeId: string
  /** Nodes not yet reaped (the live ones and those whose lease just lapsed). */
  known: () => Promise<string[]>
  /** Interrupts a node's executions now if its lease is gone (NodeLeases.reap). */
  reap: (node: string) => Promise<'alive' | 'reaped' | 'busy'>
}

export class SessionRouter {
  constructor(private readonly deps: RouterDeps) {}

  /**
   * Runs `here` when this node owns the session (or, with `claim`, takes it because it has no live owner; without
   * `claim` an ownerless session is simply handled here), else has the owner run `method` for the same user.
   */
  async run<T>(
    sessionId: string,
    claim: boolean,
    method: string,
    user: UserRecord,
    args: unknown,
    here: () => Promise<T>,
  ) {
    const owner = await this.deps.placement.owner(sessionId, claim).catch(() => {
      throw redisDown()
    })
    if (owner === null || owner === this.deps.nodeId) return here()
    const payload: Routed = { user_id: user.id, args }
    return (await this.deps.rpc.call(owner, method, payload)) as T
  }

  /** The handler for `method` from other nodes: the same user (re-read, so a disabled account stops here too). */
  serve<A>(method: string, fn: (user: UserRecord, args: A) => Promise<unknown>): void {
    this.deps.rpc.handle(method, async (payload) => {
      const { user_id, args } = payload as Routed
      const user = await this.deps.store.users.byId(user_id)
      if (!user) throw new AppError('UNAUTHORIZED', 401, 'The user of this request no longer exists')
      if (user.disabled) throw new AppError('USER_DISABLED', 403, 'This account is disabled')
      return fn(user, args as A)
    })
  }

  /** Asks `node` for what its engine knows (no user: the asking node has checked access). */
  ask(node: string, method: string, args: unknown, o?: Parameters<NodeRpc['call']>[3]): Promise<unknown> {
    return this.deps.rpc.call(node, method, args, o)
  }

  /** Answers what `ask` asks of this node. */
  answer<A>(method: string, fn: (args: A) => Promise<unknown>): void {
    this.deps.rpc.handle(method, (args) => fn(args as A))
  }

  /** The live owner of each session (no claim): this node's id, another's, or absent when none. */
  async owners(sessionIds: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(sessionIds)]
    const owners = await Promise.all(unique.map((id) => this.deps.placement.owner(id, false))).catch(() => {
      throw redisDown()
    })
    return new Map(unique.flatMap((id, i) => (owners[i] ? [[id, owners[i]] as const] : [])))
  }

  /**
   * An unfinished execution held by a node whose lease is gone ends at once (interrupted, as the lease check would
   * end it a moment later), so a cancel need not wait for that check. True when it was ended here.
   */
  async settleOrphan(executionId: string): Promise<boolean> {
    const holder = await this.deps.placement.holder(executionId, await this.deps.known()).catch(() => {
      throw redisDown()
    })
    if (holder === null || holder === this.deps.nodeId) return false
    const outcome = await this.deps.reap(holder)
    // another survivor is interrupting it right now: a moment later the cancel finds it ended
    if (outcome === 'busy') throw unavailable(holder, 'stopped responding and is being replaced')
    return outcome === 'reaped'
  }

  /** This node takes a session it just created. */
  async claim(sessionId: string): Promise<void> {
    await this.deps.placement.owner(sessionId, true)
  }

  async sessionOfExecution(id: string): Promise<string | null> {
    return (await this.deps.store.executions.byId(id))?.session_id ?? null
  }

  async sessionOfPermission(id: string): Promise<string | null> {
    return (await this.deps.store.permissions.byId(id))?.session_id ?? null
  }

  /** A node that cannot see the workspace directory says so, before a CLI fails there obscurely. */
  async requireWorkspace(workspaceId: string): Promise<void> {
    const ws = await this.deps.store.workspaces.byId(workspaceId)
    if (!ws || (existsSync(ws.path) && statSync(ws.path).isDirectory())) return
    throw new AppError(
      'WORKSPACE_UNREACHABLE',
      503,
      `Node ${this.deps.nodeId} cannot reach the directory of workspace ${ws.name}; every node must mount the workspaces at the same path (docs/scale-out.md)`,
      { details: { node: this.deps.nodeId, workspace_id: ws.id } },
    )
  }
}
