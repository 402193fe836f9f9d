// Sends a session's commands to the node holding its CLI process, and serves the ones other nodes send here.
import { existsSync, statSync } from 'node:fs'
import { AppError } from '../../core/errors.ts'
import type { UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { RedisPlacement } from './placement.ts'
import type { NodeRpc } from './rpc.ts'

interface Routed {
  user_id: string
  args: unknown
}

export class SessionRouter {
  constructor(private readonly deps: { store: Store; placement: RedisPlacement; rpc: NodeRpc; nodeId: string }) {}

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
    const owner = await this.deps.placement.owner(sessionId, claim)
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
