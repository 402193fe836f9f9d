// What a survivor does for a dead node (and a node for its own previous life): its unfinished executions end interrupted.
import { UNFINISHED_STATUSES } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import { killOrphan } from '../claude/cli/spawn.ts'
import { interruptExecution } from '../claude/engine/status.ts'
import type { ControlHandler } from '../claude/engine/execution-run.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import type { RedisPlacement } from './placement.ts'

export interface ReaperDeps {
  store: Store
  log: ChannelLog
  placement: RedisPlacement
  /** Settles the pending permission requests of an execution that ended (the PermissionService). */
  controls: Pick<ControlHandler, 'ended'>
}

/**
 * The same outcome and events as a restart's recovery (ExecutionEngine.recover), with `reason` as the error. `own`:
 * the node's own leftovers after a restart, whose CLI processes (if still running on this machine) are stopped too.
 */
export async function interruptNodeExecutions(
  deps: ReaperDeps,
  node: string,
  reason: string,
  own = false,
): Promise<number> {
  let n = 0
  for (const id of await deps.placement.members(node)) {
    const e = await deps.store.executions.byId(id)
    if (!e || !UNFINISHED_STATUSES.includes(e.status)) continue
    if (own && e.pid && e.pid_start) killOrphan(e.pid, e.pid_start)
    await deps.controls.ended(id, reason)
    await interruptExecution(deps.store, deps.log, e, reason)
    n++
  }
  await deps.placement.forget(node)
  return n
}
