// Composition root: builds the services from config and store, and the Elysia app from the services.
import { Elysia } from 'elysia'
import type { Config } from './config/schema.ts'
import type { ClaudeCli } from './modules/claude/cli/binary.ts'
import { systemClock, type Clock } from './core/clock.ts'
import { httpCore } from './core/http.ts'
import type { Logger } from './core/logger.ts'
import { Signals } from './core/signals.ts'
import { authModule } from './modules/auth/index.ts'
import { AuthService } from './modules/auth/service.ts'
import { LoginThrottle, throttleLimits } from './modules/auth/throttle.ts'
import { createTokenSigner } from './modules/auth/tokens.ts'
import { docsModule } from './modules/docs/index.ts'
import { loadWebAssets } from './modules/web/assets.ts'
import { webModule } from './modules/web/index.ts'
import { healthModule } from './modules/health/index.ts'
import { usersModule } from './modules/users/index.ts'
import { UserService } from './modules/users/service.ts'
import { UserRemoval } from './modules/users/removal.ts'
import { workspacesModule } from './modules/workspaces/index.ts'
import { WorkspaceService } from './modules/workspaces/service.ts'
import type { Store } from './store/store.ts'
import type { UserRecord } from './store/records.ts'
import { MemoryBus } from './bus/memory-bus.ts'
import { newNodeId, type ClusterBuses } from './bus/cluster.ts'
import { relaySignals } from './bus/signal-relay.ts'
import { linkNodes } from './modules/realtime/cluster-link.ts'
import { StoreRetry } from './core/store-retry.ts'
import { ChannelLog } from './modules/realtime/channel-log.ts'
import { ChannelAccess } from './modules/realtime/channels.ts'
import { realtimeModule } from './modules/realtime/index.ts'
import { registerDialects } from './modules/dialects/index.ts'
import { createRealtime } from './modules/realtime/service.ts'
import { SessionAccess } from './modules/sessions/access.ts'
import { CliRunner } from './modules/claude/cli/spawn.ts'
import { ExecutionEngine } from './modules/claude/engine/execution-engine.ts'
import { claudeModule } from './modules/claude/index.ts'
import { ExecuteBody } from './modules/claude/model.ts'
import type { Sandbox, SandboxStatus } from './modules/claude/cli/sandbox.ts'
import { homeOf } from './modules/claude/cli/home.ts'
import { ClaudeService } from './modules/claude/service.ts'
import { registerClaudeCommands } from './modules/claude/ws-commands.ts'
import { TerminalSessions } from './modules/claude/terminal-sessions.ts'
import { RunStopper } from './modules/claude/engine/stop-runs.ts'
import { toolPolicyModule } from './modules/tool-policy/index.ts'
import { ToolPolicyService } from './modules/tool-policy/service.ts'
import { collabModule, SECRET_PATHS } from './modules/collab/index.ts'
import { createCollab } from './modules/collab/service.ts'
import { registerCollabHandlers } from './modules/collab/ws-handlers.ts'
import { filesModule, STREAMED_BODY_PATHS } from './modules/files/index.ts'
import { FileService } from './modules/files/service.ts'
import { ChunkedUploads } from './modules/files/chunked-upload.ts'
import { registerFileCommands } from './modules/files/ws-commands.ts'
import { permissionsModule } from './modules/permissions/index.ts'
import { SessionControls } from './modules/permissions/controls.ts'
import { PermissionPolicy } from './modules/permissions/policy.ts'
import { PermissionService } from './modules/permissions/service.ts'
import { registerPermissionHandlers } from './modules/permissions/ws-handlers.ts'
import { joinCluster, type ClusterNode } from './modules/cluster/service.ts'
import { RoutedClaudeService, RoutedPermissionService, RoutedSessionControls } from './modules/cluster/routed.ts'
import { clusterModule } from './modules/cluster/index.ts'
import { openSharedState, type SharedState } from './modules/shared-state/service.ts'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { AppError } from './core/errors.ts'
import pkg from '../package.json' with { type: 'json' }

export const VERSION: string = pkg.version

export interface AppDeps {
  config: Config
  store: Store
  logger: Logger
  jwtSecret: string
  /** Resolves to the Claude CLI found at start-up (or null); probed once, not per request. */
  claude: () => Promise<ClaudeCli | null>
  /** Path of the CLI to run (found at start-up), or null when none was found. */
  claudeBin: () => string | null
  /** Environment the CLI processes inherit from (filtered); the server's own by default. */
  env: Record<string, string | undefined>
  /**
   * Time for login limits, WebSocket heartbeats, auth timeout and rate limit, presence, typing and share links; system
   * clock by default.
   */
  clock?: Clock
  /** The sandbox probed at start (server.ts); without it the CLI runs unsandboxed and the no-sandbox rules apply. */
  sandbox?: { status: SandboxStatus; wrapper: Sandbox | null }
  /** The Redis buses when this is one node of several (CCHUB_REDIS_URL); without them the node is alone. */
  cluster?: ClusterBuses
}

export type Services = Awaited<ReturnType<typeof createServices>>

export async function createServices(deps: AppDeps) {
  const signals = new Signals()
  const clock = deps.clock ?? systemClock
  const { loginMaxFailures, loginWindow, loginTrustedTtl } = deps.config
  const cluster = deps.cluster
  const nodeId = cluster?.nodeId ?? deps.config.nodeId ?? newNodeId()
  const node = await joinClusterIf(deps, nodeId, clock)
  const shared = await openSharedStateIf(deps, nodeId, clock)
  const throttleOptions = {
    maxFailures: loginMaxFailures,
    windowMs: loginWindow * 1000,
    trustTtlMs: loginTrustedTtl * 1000,
    now: () => clock.now(),
  }
  const throttle = new LoginThrottle(throttleOptions, node?.throttleState(throttleLimits(throttleOptions)))
  const auth = new AuthService(deps.store, createTokenSigner(deps.jwtSecret), deps.config, signals, throttle)
  await auth.init()
  const bus = new MemoryBus()
  const outages = { clock, bufferMaxBytes: deps.config.eventBufferMaxBytes }
  const log = new ChannelLog(deps.store, bus, deps.logger, outages, cluster && { bus: cluster.bus, nodeId })
  const access = new ChannelAccess()
  access.register('workspace', async (user, id) => {
    const ws = await deps.store.workspaces.byId(id)
    return ws !== null && (await workspaces.canSee(user, ws))
  })
  const realtime = createRealtime({
    config: deps.config,
    auth,
    log,
    access,
    bus,
    signals,
    logger: deps.logger,
    clock,
    elsewhere: shared?.connections,
  })
  const { gateway, dispatcher } = realtime
  if (cluster) {
    linkNodes({ network: { bus: cluster.bus, nodeId }, log, local: bus, liveChannels: () => gateway.liveChannels() })
    relaySignals(signals, cluster.control, nodeId)
    cluster.control.onReconnect(() => void auth.catchUpRevocations().catch(() => {}))
  }
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
  registerPermissionHandlers(
    dispatcher,
    permissions,
    node ? new RoutedSessionControls(controlDeps, node.router) : new SessionControls(controlDeps),
  )
  const runs = node ? node.runStopper(engine) : new RunStopper(engine)
  const users = new UserService(
    deps.store,
    signals,
    throttle,
    new UserRemoval({ store: deps.store, runs, signals, dataDir: c.dataDir }),
    runs,
  )
  const workspaces = new WorkspaceService(deps.store, deps.config, signals, runs)
  access.register('session', (user, id) => sessionAccess.canReadSession(user, id))
  access.register('task', (user, id) => sessionAccess.canReadExecution(user, id))
  const files = new FileService({ store: deps.store, log, access: sessionAccess, workspaces, config: c })
  const uploads = new ChunkedUploads(
    files,
    deps.store,
    {
      dataDir: c.dataDir,
      maxUploadBytes: c.maxUploadBytes,
      expirySeconds: c.uploadExpiry,
      wsMaxMessageBytes: c.wsMaxMessageBytes,
    },
    deps.logger,
  )
  registerFileCommands(dispatcher, files, uploads)
  const claudeDeps = {
    store: deps.store,
    log,
    engine,
    access: sessionAccess,
    workspaces,
    config: c,
    env: deps.env,
    claudeBin: deps.claudeBin,
    toolPolicy,
    sandbox: sandbox.status,
    nodeId,
    attachments: (u: UserRecord, w: string, ids: string[]) => files.preamble(u, w, ids),
  }
  const claude = node ? new RoutedClaudeService(claudeDeps, node.router) : new ClaudeService(claudeDeps)
  const executeCheck = TypeCompiler.Compile(ExecuteBody)
  registerClaudeCommands(dispatcher, claude, (body) => {
    const first = executeCheck.Errors(body).First()
    if (first)
      throw new AppError('VALIDATION_FAILED', 422, `Invalid execute command: ${first.path || '/'} ${first.message}`)
  })
  const collab = createCollab({
    store: deps.store,
    log,
    gateway,
    access: sessionAccess,
    signals,
    logger: deps.logger,
    config: c,
    clock,
    others: shared?.presence,
    runs,
  })
  registerCollabHandlers(dispatcher, collab)
  const services = {
    ...deps,
    clock,
    signals,
    auth,
    users,
    workspaces,
    bus,
    nodeId,
    log,
    access,
    realtime,
    gateway,
    dispatcher,
    engine,
    sessionAccess,
    toolPolicy,
    permissions,
    claudeService: claude,
    collab,
    files,
    uploads,
    terminalSessions: new TerminalSessions(deps.store, workspaces, (id) => homeOf(c.dataDir, id)),
    sandbox,
    clusterNode: node,
    sharedState: shared,
    startedAt: Date.now(),
  }
  registerDialects(services)
  return services
}

/** Presence, connection counts and login limits shared through Redis with the other nodes; null on a single node. */
async function openSharedStateIf(deps: AppDeps, nodeId: string, clock: Clock): Promise<SharedState | null> {
  const c = deps.config
  if (!deps.cluster || !c.redisUrl) return null
  return openSharedState({
    redisUrl: c.redisUrl,
    prefix: c.redisPrefix,
    nodeId,
    leaseMs: c.nodeLeaseMs,
    control: deps.cluster.control,
    clock,
    logger: deps.logger,
  })
}

/** With CCHUB_REDIS_URL this server is one node of a cluster (docs/scale-out.md); without, none of it is built. */
async function joinClusterIf(deps: AppDeps, nodeId: string, clock: Clock): Promise<ClusterNode | null> {
  const c = deps.config
  if (!deps.cluster || !c.redisUrl) return null
  return joinCluster({
    redisUrl: c.redisUrl,
    prefix: c.redisPrefix,
    nodeId,
    leaseMs: c.nodeLeaseMs,
    version: VERSION,
    killGraceMs: c.claudeKillGrace * 1000,
    store: deps.store,
    clock,
    logger: deps.logger,
  })
}

export function createApp(s: Services) {
  const c = s.config
  return new Elysia({
    name: 'cchub',
    // The real limits are checked in httpCore (error shape) and while uploads stream; this only has to be above them.
    serve: { maxRequestBodySize: Number.MAX_SAFE_INTEGER },
    websocket: {
      maxPayloadLength: c.wsMaxMessageBytes,
      idleTimeout: Math.min(960, Math.max(1, Math.ceil(c.wsIdleTimeout))),
      backpressureLimit: c.wsBackpressureLimit,
      closeOnBackpressureLimit: true,
      sendPings: false,
      perMessageDeflate: false,
    },
  })
    .use(httpCore(s.logger, { maxBytes: c.maxBodyBytes, streamed: STREAMED_BODY_PATHS }, SECRET_PATHS))
    .use(docsModule(VERSION))
    .use(webModule(loadWebAssets))
    .use(
      healthModule({
        store: s.store,
        version: VERSION,
        startedAt: s.startedAt,
        claude: s.claude,
        sandbox: s.sandbox.status,
        nodeId: s.nodeId,
        bus: s.cluster?.bus ?? s.bus,
        authenticated: (h) =>
          s.auth.authenticateHeaders(h).then(
            () => true,
            () => false,
          ),
      }),
    )
    .use(authModule(s.auth))
    .use(usersModule(s.auth, s.users))
    .use(workspacesModule(s.auth, s.workspaces))
    .use(realtimeModule(s.auth, s.log, s.realtime))
    .use(claudeModule(s.auth, s.claudeService, s.terminalSessions))
    .use(toolPolicyModule(s.auth, s.toolPolicy))
    .use(permissionsModule(s.auth, s.permissions))
    .use(filesModule(s.auth, s.files))
    .use(collabModule(s.auth, s.collab))
    .use(s.clusterNode ? clusterModule(s.auth, s.clusterNode) : new Elysia({ name: 'cluster' }))
}

export type App = ReturnType<typeof createApp>
