// Stopping the runs that a deleted workspace or user, a disabled user or a removed participant leaves behind.
import { Type as T, type Static } from '@sinclair/typebox'
import type { ExecutionRecord } from '../../../store/records.ts'
import type { ExecutionEngine } from './execution-engine.ts'

/** One clause of a StopScope: an execution matches when every field the clause names is equal. */
const StopClause = T.Object({
  user_id: T.Optional(T.String()),
  workspace_id: T.Optional(T.String()),
  session_id: T.Optional(T.String()),
})

/** What to stop, as data: a cluster node sends it to the others (a predicate could not travel). */
export const StopScope = T.Object({
  /** Executions matching any clause are cancelled. */
  any: T.Array(StopClause),
  /** Sessions whose CLI processes end even when idle. */
  session_ids: T.Array(T.String()),
  reason: T.String(),
  /** Sessions that changed hands first: their waiting turns start in the new owner's CLI home. */
  hand_over: T.Optional(T.Object({ session_ids: T.Array(T.String()), owner_id: T.String() })),
})
export type StopScope = Static<typeof StopScope>

const matches = (scope: StopScope) => (e: ExecutionRecord) =>
  scope.any.some(
    (c) =>
      (c.user_id === undefined || c.user_id === e.user_id) &&
      (c.workspace_id === undefined || c.workspace_id === e.workspace_id) &&
      (c.session_id === undefined || c.session_id === e.session_id),
  )

/**
 * Stops on this node, the only one of a single cchub; a cluster node (cluster/stop-runs.ts) also has every other live
 * node stop what it runs. Resolves once the processes have exited, to how many executions were cancelled.
 */
export class RunStopper {
  constructor(private readonly engine: Pick<ExecutionEngine, 'stopWhere' | 'reassignOwner'>) {}

  stop(scope: StopScope): Promise<number> {
    return this.stopHere(scope)
  }

  protected async stopHere(scope: StopScope): Promise<number> {
    // before any run stops: a turn that a cancel frees must already start in the new owner's home
    if (scope.hand_over) this.engine.reassignOwner(scope.hand_over.session_ids, scope.hand_over.owner_id)
    return this.engine.stopWhere(matches(scope), scope.session_ids, scope.reason)
  }
}
