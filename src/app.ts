// Composition root: builds the services from config and store (wired by area in src/wiring), and the Elysia app.
import { Elysia } from 'elysia'
import type { Config } from './config/schema.ts'
import type { ClaudeCli } from './modules/claude/cli/binary.ts'
import { systemClock, type Clock } from './core/clock.ts'
import { httpCore } from './core/http.ts'
import type { Logger } from './core/logger.ts'
import { Signals } from './core/signals.ts'
import { authModule } from './modules/auth/index.ts'
import { docsModule } from './modules/docs/index.ts'
import { loadWebAssets } from './modules/web/assets.ts'
import { webModule } from './modules/web/index.ts'
import { healthModule } from './modules/health/index.ts'
import { usersModule } from './modules/users/index.ts'
import { workspacesModule } from './modules/workspaces/index.ts'
import type { Store } from './store/store.ts'
import { newNodeId, type ClusterBuses } from './bus/cluster.ts'
import { realtimeModule } from './modules/realtime/index.ts'
import { registerDialects } from './modules/dialects/index.ts'
import { claudeModule } from './modules/claude/index.ts'
import type { Sandbox, SandboxStatus } from './modules/claude/cli/sandbox.ts'
import { homeOf } from './modules/claude/cli/home.ts'
import { TerminalSessions } from './modules/claude/terminal-sessions.ts'
import { toolPolicyModule } from './modules/tool-policy/index.ts'
import { collabModule, SECRET_PATHS } from './modules/collab/index.ts'
import { filesModule, STREAMED_BODY_PATHS } from './modules/files/index.ts'
import { permissionsModule } from './modules/permissions/index.ts'
import { clusterModule } from './modules/cluster/index.ts'
import { buildAccounts } from './wiring/accounts.ts'
import { buildAuth } from './wiring/auth.ts'
import { buildClaude } from './wiring/claude.ts'
import { buildCollab } from './wiring/collab.ts'
import { joinClusterIf, openSharedStateIf } from './wiring/cluster.ts'
import { buildExecution } from './wiring/execution.ts'
import { buildFiles } from './wiring/files.ts'
import { buildRealtime } from './wiring/realtime.ts'
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
  const c = deps.config
  const nodeId = deps.cluster?.nodeId ?? c.nodeId ?? newNodeId()
  const node = await joinClusterIf(deps, nodeId, clock, VERSION)
  const shared = await openSharedStateIf(deps, nodeId, clock)
  const { throttle, auth } = await buildAuth(deps, clock, signals, node)
  const rt = buildRealtime(deps, { clock, nodeId, signals, auth, shared })
  const { log, dispatcher, access, gateway } = rt
  const exec = await buildExecution(deps, { clock, log, dispatcher, node })
  const { sessionAccess, runs } = exec
  const { users, workspaces } = buildAccounts(deps, { signals, throttle, runs, access, sessionAccess })
  const { files, uploads } = buildFiles(deps, { log, dispatcher, sessionAccess, workspaces })
  const sandbox = exec.sandbox.status
  const claude = buildClaude(deps, { ...exec, nodeId, node, log, dispatcher, workspaces, files, sandbox })
  const others = shared?.presence
  const collab = buildCollab(deps, { log, gateway, access: sessionAccess, signals, clock, others, runs, dispatcher })
  const services = {
    ...deps,
    ...rt,
    engine: exec.engine,
    sessionAccess,
    toolPolicy: exec.toolPolicy,
    permissions: exec.permissions,
    sandbox: exec.sandbox,
    clock,
    signals,
    auth,
    users,
    workspaces,
    nodeId,
    claudeService: claude,
    collab,
    files,
    uploads,
    terminalSessions: new TerminalSessions(deps.store, workspaces, (id) => homeOf(c.dataDir, id)),
    clusterNode: node,
    sharedState: shared,
    startedAt: Date.now(),
  }
  registerDialects(services)
  return services
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
