// Stopping runs on every node: this node's engine, and each other live node's through the node RPC.
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { AppError } from '../../core/errors.ts'
import { RunStopper, StopScope } from '../claude/engine/stop-runs.ts'
import type { SessionRouter } from './router.ts'

const isScope = TypeCompiler.Compile(StopScope)

export class ClusterRunStopper extends RunStopper {
  constructor(
    engine: ConstructorParameters<typeof RunStopper>[0],
    private readonly o: {
      router: SessionRouter
      /** The other live nodes. */
      others: () => Promise<string[]>
      /** How long a node may take: its CLI processes get the kill grace twice (SIGTERM, then SIGKILL) to exit. */
      timeoutMs: number
    },
  ) {
    super(engine)
    o.router.answer<unknown>('stop_runs', async (scope) => {
      if (!isScope.Check(scope)) throw new AppError('BAD_REQUEST', 400, 'Malformed stop_runs request')
      return this.stopHere(scope)
    })
  }

  /**
   * In parallel on every live node; a node that no longer listens has nothing running (a survivor interrupts what
   * it held), one that does not answer in time fails the request with 503 NODE_UNAVAILABLE, to be retried.
   */
  override async stop(scope: StopScope): Promise<number> {
    const { router, others, timeoutMs } = this.o
    const there = (await others()).map((n) => router.ask(n, 'stop_runs', scope, { ifListening: true, timeoutMs }))
    const counts = await Promise.all([this.stopHere(scope), ...there])
    return counts.reduce<number>((sum, n) => sum + (typeof n === 'number' ? n : 0), 0)
  }
}
