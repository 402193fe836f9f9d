// Several cchub nodes on loopback: one PostgreSQL database, one Redis prefix, one data directory (the shared filesystem).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RedisClient } from 'bun'
import type { Config } from '../../src/config/schema.ts'
import { FAKE_CLAUDE, FAKE_VARS } from '../execution/helpers.ts'
import { freshDatabase, requirePostgres, type TestDatabase } from './postgres.ts'
import { REDIS_URL, requireRedis, testPrefix } from './redis.ts'
import { readyUrl, spawnServer, type ServerProcess } from './server-process.ts'
import { ADMIN_PASSWORD, apiClient, startTestServer, testConfig, type TestServer } from './server.ts'
import type { ServerDeps } from '../../src/server.ts'
import { ClientPool } from './ws-client.ts'

/** Both services answer (else a skip with the reason, or a failure under CI=true). */
export async function requireCluster(suite: string): Promise<boolean> {
  return (await requirePostgres(suite)) && (await requireRedis(suite))
}

/** What tests need of any node, in-process or child. */
export type NodeHandle = Pick<TestServer, 'url' | 'wsUrl' | 'api' | 'login'> & { id: string }

/** A node run as a child process, so that it can be killed with -9. */
export interface ChildNode extends NodeHandle {
  proc: ServerProcess
}

export class TestCluster {
  readonly nodes: (TestServer & { id: string })[] = []
  readonly children: ChildNode[] = []
  readonly pool = new ClientPool()

  private constructor(
    readonly db: TestDatabase,
    readonly prefix: string,
    /** The data directory every node shares: workspaces and uploads on "the shared filesystem". */
    readonly dataDir: string,
    readonly leaseMs: number,
    /** What the CLI processes inherit (HOME, PATH, and the fake CLI's or mock API's variables). */
    readonly cliEnv: Record<string, string>,
  ) {}

  static async start(o: { leaseMs?: number; cliEnv?: Record<string, string> } = {}): Promise<TestCluster> {
    const dataDir = mkdtempSync(join(tmpdir(), 'cchub-cluster-'))
    const cliEnv = { PATH: process.env.PATH ?? '', HOME: dataDir, ...o.cliEnv }
    return new TestCluster(await freshDatabase(), testPrefix(), dataDir, o.leaseMs ?? 1000, cliEnv)
  }

  /** The settings every node shares; nodes differ only by CCHUB_NODE_ID (and port). */
  config(id: string, overrides: Partial<Config> = {}): Config {
    return testConfig(
      {
        databaseUrl: this.db.url,
        redisUrl: REDIS_URL,
        redisPrefix: this.prefix,
        nodeId: id,
        nodeLeaseMs: this.leaseMs,
        claudeBin: FAKE_CLAUDE,
        claudeEnvAllowList: FAKE_VARS,
        claudeKillGrace: 1,
        ...overrides,
      },
      this.dataDir,
    )
  }

  /**
   * An in-process node (its services are there to look at), on `deps.clock` where time is the subject. Start nodes
   * one at a time: the first creates the admin.
   */
  async node(id: string, overrides: Partial<Config> = {}, deps?: ServerDeps): Promise<TestServer & { id: string }> {
    const config = this.config(id, overrides)
    const s = Object.assign(await startTestServer(config, this.dataDir, this.cliEnv, deps), { id })
    this.nodes.push(s)
    return s
  }

  /** A node as a child process, configured through the environment as a deployed one is. */
  async child(id: string, overrides: Partial<Config> = {}): Promise<ChildNode> {
    const c = this.config(id, overrides)
    const proc = spawnServer({
      ...this.cliEnv,
      CCHUB_PORT: '0',
      CCHUB_HOST: '127.0.0.1',
      CCHUB_DATA_DIR: this.dataDir,
      CCHUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CCHUB_JWT_SECRET: c.jwtSecret!,
      CCHUB_LOG_LEVEL: 'error',
      CCHUB_DATABASE_URL: this.db.url,
      CCHUB_REDIS_URL: REDIS_URL,
      CCHUB_REDIS_PREFIX: this.prefix,
      CCHUB_NODE_ID: id,
      CCHUB_NODE_LEASE_MS: String(this.leaseMs),
      CCHUB_CLAUDE_BIN: c.claudeBin!,
      CCHUB_CLAUDE_ENV_ALLOW: c.claudeEnvAllowList.join(','),
      CCHUB_CLAUDE_KILL_GRACE: String(c.claudeKillGrace),
    })
    const url = await readyUrl(proc, `node ${id}`)
    const child = { id, url, wsUrl: `${url.replace(/^http/, 'ws')}/ws`, proc, ...apiClient(url) }
    this.children.push(child)
    return child
  }

  async close(): Promise<void> {
    await this.pool.closeAll()
    for (const c of this.children) c.proc.kill('SIGKILL')
    await Promise.all(this.children.map((c) => c.proc.exited))
    for (const s of this.nodes) await s.close({ keepData: true }).catch(() => {})
    await this.db.drop()
    await dropPrefix(this.prefix)
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}

/** Deletes every Redis key under `prefix` (a test's own). */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new RedisClient(REDIS_URL)
  const keys = (await redis.send('KEYS', [`${prefix}*`])) as string[]
  if (keys.length) await redis.send('DEL', keys)
  redis.close()
}
