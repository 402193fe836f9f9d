// Accounts wiring: users and workspaces, and who may read which realtime channel (workspace, session, task).
import type { AppDeps } from '../app.ts'
import type { Signals } from '../core/signals.ts'
import type { RunStopper } from '../modules/claude/engine/stop-runs.ts'
import type { LoginThrottle } from '../modules/auth/throttle.ts'
import type { ChannelAccess } from '../modules/realtime/channels.ts'
import type { SessionAccess } from '../modules/sessions/access.ts'
import { UserRemoval } from '../modules/users/removal.ts'
import { UserService } from '../modules/users/service.ts'
import { WorkspaceService } from '../modules/workspaces/service.ts'

export interface AccountsWiring {
  signals: Signals
  throttle: LoginThrottle
  runs: Pick<RunStopper, 'stop'>
  access: ChannelAccess
  sessionAccess: SessionAccess
}

export function buildAccounts(deps: AppDeps, w: AccountsWiring) {
  const { store, config } = deps
  const { signals, runs, sessionAccess } = w
  const removal = new UserRemoval({ store, runs, signals, dataDir: config.dataDir })
  const users = new UserService(store, signals, w.throttle, removal, runs)
  const workspaces = new WorkspaceService(store, config, signals, runs)
  w.access.register('workspace', async (user, id) => {
    const ws = await store.workspaces.byId(id)
    return ws !== null && (await workspaces.canSee(user, ws))
  })
  w.access.register('session', (user, id) => sessionAccess.canReadSession(user, id))
  w.access.register('task', (user, id) => sessionAccess.canReadExecution(user, id))
  return { users, workspaces }
}
