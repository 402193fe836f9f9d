// Several cchub nodes for the cluster benchmark, and one measured delivery run over them with its CPU accounting.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { freshDatabase } from '../../test/support/postgres.ts'
import { REDIS_URL, testPrefix } from '../../test/support/redis.ts'
import { dropPrefix } from '../../test/support/cluster.ts'
import { cpuWindow, pidsNamed, type CpuWindow } from './cpu.ts'
import { BUN, processesIn } from './proc.ts'
import { FAKE_CLAUDE, startCchub, startWorker, type Target } from './targets.ts'

export const LEASE_MS = 2000

/** Starts nodes of one cluster (one database, one Redis prefix, one data dir); `use` runs with them, then all stop. */
export async function withNodes<T>(ids: string[], use: (nodes: Target[]) => Promise<T>): Promise<T> {
  const db = await freshDatabase()
  const prefix = testPrefix()
  const dataDir = mkdtempSync(join(tmpdir(), 'cchub-bench-cluster-'))
  const nodes: Target[] = []
  try {
    for (const id of ids) {
      nodes.push(
        await startCchub({
          name: `node ${id}`,
          dataDir,
          keepData: true,
          flags: ['--claude-bin', FAKE_CLAUDE, '--claude-env-allow', 'FAKE_CLAUDE_MODE'],
          env: {
            CCHUB_DATABASE_URL: db.url,
            CCHUB_REDIS_URL: REDIS_URL,
            CCHUB_REDIS_PREFIX: prefix,
            CCHUB_NODE_ID: id,
            CCHUB_NODE_LEASE_MS: String(LEASE_MS),
            CCHUB_JWT_SECRET: 'bench-cluster-secret-bench-cluster-secret-0123',
            FAKE_CLAUDE_MODE: 'hang',
            // the fake CLI starts with `#!/usr/bin/env bun`: find this bun even when not run through `bun run`
            PATH: `${dirname(BUN)}:${process.env.PATH ?? ''}`,
          },
        }),
      )
    }
    return await use(nodes)
  } finally {
    for (const n of nodes) await n.child.kill9().catch(() => {})
    // CLIs of a killed node outlive it (as they would a crashed one): they run in the shared workspaces
    for (const pid of processesIn(dataDir)) process.kill(pid, 'SIGKILL')
    await db.drop()
    await dropPrefix(prefix)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** `clients` subscribers on `node`, spread round-robin over the run's channels; latency is summarized per `group`. */
export interface Placement {
  node: Target
  group: string
  clients: number
}

export interface DeliverOptions {
  channels: string[]
  /** Events measured, and events published before them unmeasured (JIT, connection pools, first batches). */
  count: number
  warmup: number
  /** Messages per second in total; 0 = as fast as the subscribers drain. */
  rate: number
  latency: boolean
  /** Two placement groups whose clients get the same events: also time each event from the first to the second. */
  pair?: [string, string]
}

export interface Delivery {
  got: Record<string, any>
  publish: Record<string, any>
  /** CPU over the measured part: each node by its group name, `generator` (the worker), `redis`, `postgres`. */
  cpu: CpuWindow
}

/** Connects the placements in a fresh worker, warms up, then publishes `count` events on `publisher` and measures. */
export async function deliver(publisher: Target, placements: Placement[], o: DeliverOptions): Promise<Delivery> {
  const w = await startWorker()
  try {
    const identities = o.channels.map((ch) => ({ path: publisher.wsPath, channels: [ch] }))
    let clients = 0
    for (const p of placements) {
      const conn = await w.request('connect', {
        port: p.node.port,
        count: p.clients,
        concurrency: 100,
        identities,
        group: p.group,
      })
      if (conn.connected !== p.clients) throw new Error(`only ${conn.connected}/${p.clients} connected: ${conn.errors}`)
      clients += p.clients
    }
    const perEvent = clients / o.channels.length
    const send = (count: number) => ({ channels: o.channels, count, bytes: 64, rate: o.rate })
    await w.request('arm', { expect: o.warmup * perEvent })
    const warm = w.request('wait', { timeoutMs: 60_000 })
    await publisher.child.request('publish', send(o.warmup), 60_000)
    await warm
    await w.request('arm', { expect: o.count * perEvent, latency: o.latency, pair: o.pair })
    const watched = Object.fromEntries(placements.map((p) => [p.group, p.node.pid]))
    const cpu = cpuWindow({
      ...watched,
      generator: w.pid,
      redis: pidsNamed('redis-server'),
      postgres: pidsNamed('postgres'),
    })
    const waiting = w.request('wait', { timeoutMs: 300_000, stallMs: 10_000 }, 310_000)
    const publish = await publisher.child.request('publish', send(o.count), 300_000)
    const got = await waiting
    return { got, publish, cpu: cpu.stop() }
  } finally {
    await w.stop(3000).catch(() => {})
  }
}
