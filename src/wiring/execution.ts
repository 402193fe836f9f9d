// Execution wiring: sandbox, tool policy, permissions and the execution engine (routed across nodes in a cluster).
import type { AppDeps } from '../app.ts'
import type { Clock } from '../core/clock.ts'
import { StoreRetry } from '../core/store-retry.ts'
import { CliRunner } from '../modules/claude/cli/spawn.ts'
import { ExecutionEngine } from '../modules/claude/engine/execution-engine.ts'
import { RunStopper } from '../modules/claude/engine/stop-runs.ts'
import type { ClusterNode } from '../modules/cluster/service.ts'
import { RoutedPermissionService, RoutedSessionControls } from '../modules/cluster/routed.ts'
import { SessionControls } from '../modules/permissions/controls.ts'
import { PermissionPolicy } from '../modules/permissions/policy.ts'
import { PermissionService } from '../modules/permissions/service.ts'
import { registerPermissionHandlers } from '../modules/permissions/ws-handlers.ts'
import type { ChannelLog } from '../modules/realtime/channel-log.ts'
import type { Dispatcher } from '../modules/realtime/dispatcher.ts'
import { SessionAccess } from '../modules/sessions/access.ts'
import { ToolPolicyService } from '../modules/tool-policy/service.ts'

export interface ExecutionWiring {
  clock: Clock
  log: ChannelLog
  dispatcher: Dispatcher
  node: ClusterNode | null
}

export async function buildExecution(deps: AppDeps, w: ExecutionWiring) {
  const { clock, log, node } = w
  const c = deps.config
  const sandbox = deps.sandbox ?? { status: { mode: 'off' as const, reason: 'not probed' }, wrapper: null }
  const sessionAccess = new SessionAccess(deps.store)
  const toolPolicy = new ToolPolicyService(deps.store, c)
  const policy = new PermissionPolicy(toolPolicy, sandbox.status)
  const permissionDeps = {
    store: deps.store,
    log,
    access: sessionAccess,
    policy,
    clock,
    logger: deps.logger,
    timeoutMs: c.permissionTimeout * 1000,
  }
  const permissions = node
    ? new RoutedPermissionService(permissionDeps, node.router)
    : new PermissionService(permissionDeps)
  const engine = new ExecutionEngine(
    deps.store,
    log,
    new CliRunner(sandbox.wrapper),
    {
      maxProcesses: c.claudeMaxConcurrent,
      maxPerUser: c.claudeMaxPerUser,
      idleTtlMs: c.claudeProcessIdleTtl * 1000,
      timeoutMs: c.claudeTimeout * 1000,
      outputTimeoutMs: c.claudeOutputTimeout * 1000,
      killGraceMs: c.claudeKillGrace * 1000,
    },
    deps.logger,
    permissions,
    new StoreRetry(clock),
    node?.placement,
  )
  // a cluster node must not touch the other nodes' work: it recovers its own when it joins (cluster.start)
  if (!node) {
    await permissions.expireLeftovers()
    await engine.recover()
  }
  const controlDeps = { engine, access: sessionAccess, policy, log, clock }
  const controls = node ? new RoutedSessionControls(controlDeps, node.router) : new SessionControls(controlDeps)
  registerPermissionHandlers(w.dispatcher, permissions, controls)
  const runs = node ? node.runStopper(engine) : new RunStopper(engine)
  return { sandbox, sessionAccess, toolPolicy, permissions, engine, runs }
}
