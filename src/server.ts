// Starts and stops a whole cchub server: store, services, HTTP/WebSocket listener, graceful shutdown.
import { createApp, createServices, VERSION, type Services } from './app.ts'
import { ensureAdmin, loadOrCreateSecret, openStore, prepareDataDir } from './bootstrap.ts'
import type { Config } from './config/schema.ts'
import type { Clock } from './core/clock.ts'
import { CLAUDE_INSTALL_HINT, findClaudeBin, probeClaude } from './modules/claude/cli/binary.ts'
import type { Logger } from './core/logger.ts'
import { probeSandbox, type SandboxStatus } from './modules/claude/cli/sandbox.ts'
import { checkTopology, newNodeId, openClusterBuses } from './bus/cluster.ts'
import { holdNodeLock } from './store/postgres/node-lock.ts'

export interface RunningServer {
  url: string
  port: number
  services: Services
  app: ReturnType<typeof createApp>
  /** Admin password generated on this start (first start without CCHUB_ADMIN_PASSWORD), else undefined. */
  generatedAdminPassword?: string
  /** The sandbox the CLI processes run in, probed at start (off with a reason when there is none). */
  sandbox: SandboxStatus
  stop(): Promise<void>
}

/** Dependencies a caller may pass in instead of the defaults (the system clock). */
export interface ServerDeps {
  clock?: Clock
}

export async function startServer(
  config: Config,
  logger: Logger,
  env: Record<string, string | undefined> = process.env,
  deps: ServerDeps = {},
): Promise<RunningServer> {
  checkTopology(config)
  const dataDir = prepareDataDir(config.dataDir)
  // before anything is opened: CCHUB_SANDBOX=bwrap without a working bwrap refuses to start here
  const sandbox = await probeSandbox(config.sandbox, { dataDir, env })
  if (sandbox.status.mode === 'off') {
    logger.warn(
      'NO SANDBOX: Claude runs as the server user and could read the data directory; non-admins may not use tools that run commands or write',
      { reason: sandbox.status.reason },
    )
  }
  const store = await openStore(config, dataDir)
  const releaseNodeLock = config.databaseUrl
    ? await holdNodeLock(config.databaseUrl, !!config.redisUrl).catch(async (err) => {
        await store.close()
        throw err
      })
    : null
  const jwtSecret = loadOrCreateSecret(dataDir, config.jwtSecret)
  const admin = await ensureAdmin(store, config.adminUsername, config.adminPassword)
  const claudePath = findClaudeBin(config.claudeBin, env)
  const claudeProbe = probeClaude(claudePath)
  claudeProbe.then((cli) => {
    if (cli) logger.info('claude cli found', { path: cli.path, version: cli.version })
    else logger.warn('claude cli not available', { path: claudePath, hint: CLAUDE_INSTALL_HINT })
  })
  const nodeId = config.nodeId ?? newNodeId()
  const cluster = config.redisUrl ? await openClusterBuses(config.redisUrl, config.redisPrefix, nodeId) : undefined
  const services = await createServices({
    config: { ...config, dataDir },
    store,
    logger,
    jwtSecret,
    claude: () => claudeProbe,
    claudeBin: () => claudePath,
    env,
    clock: deps.clock,
    sandbox: { status: sandbox.status, wrapper: sandbox.sandbox },
    cluster,
  })
  let app: ReturnType<typeof createApp>
  try {
    // reusePort off: a second cchub on a taken port must fail, not silently share its connections
    app = createApp(services).listen({ port: config.port, hostname: config.host, reusePort: false })
  } catch (err) {
    await services.engine.shutdown(0)
    await services.clusterNode?.stop()
    await services.sharedState?.close()
    services.uploads.stop()
    await cluster?.close()
    await store.close()
    await releaseNodeLock?.()
    throw err
  }
  const server = app.server!
  services.gateway.attach(server)
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${server.port}`
  await services.clusterNode?.start({ controls: services.permissions, log: services.log }, url)
  logger.info('listening', {
    url,
    version: VERSION,
    data_dir: dataDir,
    store: store.kind,
    schema: store.schema,
    sandbox: sandbox.status.mode,
  })

  // retention: old channel events and expired token revocations, once now and then hourly
  const maintain = () => {
    void services.log
      .prune(config.eventRetentionDays * 86_400_000)
      .catch((err) => logger.error('event pruning failed', { error: String(err) }))
    void store.revokedTokens.prune(Date.now()).catch(() => {})
  }
  maintain()
  const maintenance = setInterval(maintain, 3_600_000)

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(maintenance)
      await services.engine.shutdown(config.shutdownTimeout * 1000)
      // after the engine recorded its executions as ended: no survivor needs to reap them
      await services.clusterNode?.stop()
      services.gateway.shutdown()
      await services.sharedState?.close()
      services.uploads.stop()
      const graceful = server.stop(false)
      const timedOut = await Promise.race([
        graceful.then(() => false),
        Bun.sleep(config.shutdownTimeout * 1000).then(() => true),
      ])
      if (timedOut) await server.stop(true)
      // Elysia writes each access-log line in a setImmediate after the response; let the last ones land
      await new Promise((r) => setImmediate(r))
      // with the database away, the events still waiting get a bounded time to be stored, then are logged as lost
      await services.log.close(config.shutdownTimeout * 1000)
      await services.bus.close()
      await cluster?.close()
      await store.close()
      await releaseNodeLock?.()
      logger.info('stopped', { cut_in_flight: timedOut })
    })())

  return {
    url,
    port: server.port!,
    services,
    app,
    generatedAdminPassword: admin.generatedPassword,
    sandbox: sandbox.status,
    stop,
  }
}
