// 8. Several nodes (PostgreSQL + Redis): fan-out over two nodes vs one, cross-node vs same-node latency, a node's death.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freshDatabase, requirePostgres } from '../../test/support/postgres.ts'
import { REDIS_URL, requireRedis, testPrefix } from '../../test/support/redis.ts'
import { dropPrefix } from '../../test/support/cluster.ts'
import type { Ctx, Row } from '../lib/bench.ts'
import { processesIn } from '../lib/proc.ts'
import { fmt, ratio } from '../lib/bench.ts'
import { FAKE_CLAUDE, startCchub, startWorker, type Target } from '../lib/targets.ts'
import { failover } from './cluster-failover.ts'

const LEASE_MS = 2000

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

/** Subscribers spread over `subscribeOn` (round-robin by count), events published on `publisher`; the worker's result. */
async function deliver(
  publisher: Target,
  subscribeOn: Target[],
  o: { subscribers: number; channels: string[]; count: number; rate: number; latency: boolean },
) {
  const w = await startWorker()
  try {
    const identities = o.channels.map((ch) => ({ path: publisher.wsPath, channels: [ch] }))
    const share = Math.ceil(o.subscribers / subscribeOn.length)
    for (const node of subscribeOn) {
      const conn = await w.request('connect', { port: node.port, count: share, concurrency: 100, identities })
      if (conn.connected !== share) throw new Error(`only ${conn.connected}/${share} connected: ${conn.errors}`)
    }
    const perEvent = (share * subscribeOn.length) / o.channels.length
    await w.request('arm', { expect: 50 * perEvent })
    const warm = w.request('wait', { timeoutMs: 20_000 })
    await publisher.child.request('publish', { channels: o.channels, count: 50, bytes: 64, rate: o.rate })
    await warm
    await w.request('arm', { expect: o.count * perEvent, latency: o.latency })
    const waiting = w.request('wait', { timeoutMs: 300_000, stallMs: 10_000 }, 310_000)
    await publisher.child.request('publish', { channels: o.channels, count: o.count, bytes: 64, rate: o.rate }, 300_000)
    return await waiting
  } finally {
    await w.stop(3000).catch(() => {})
  }
}

export async function cluster(ctx: Ctx): Promise<Row[]> {
  if (!(await requirePostgres('bench cluster')) || !(await requireRedis('bench cluster'))) {
    ctx.out({ bench: 'cluster', skipped: 'PostgreSQL or Redis is not reachable' })
    return []
  }
  const subscribers = ctx.size(100, 500, 1000)
  const events = ctx.size(200, 1000, 3000)
  const seconds = ctx.size(2, 5, 10)
  const rows = await withNodes(['A', 'B'], async ([a, b]) => {
    const sessions = (n: number) =>
      a!.child.request('setup', { sessions: n }).then((r) => (r.session_ids as string[]).map((id) => `session:${id}`))
    const fan = { subscribers, count: events, rate: 0, latency: false }
    const one = await deliver(a!, [a!], { ...fan, channels: await sessions(1) })
    const two = await deliver(a!, [a!, b!], { ...fan, channels: await sessions(1) })
    const lat = { subscribers: 20, count: 1000 * seconds, rate: 1000, latency: true }
    const same = await deliver(a!, [a!], { ...lat, channels: await sessions(20) })
    const cross = await deliver(a!, [b!], { ...lat, channels: await sessions(20) })
    for (const [name, r] of Object.entries({ one, two, same, cross }))
      ctx.out({ bench: 'cluster', run: name, ...r, lossless: r.lost === 0 && r.dups === 0 && r.gaps === 0 })
    const fanRatio = ratio(two.per_s, one.per_s)
    const show = (l: any) => `${l.p50.toFixed(2)} / ${l.p99.toFixed(2)}`
    return [
      {
        bench: `8a. Fan-out over 2 nodes vs 1 (${subscribers} subscribers, ${events} events)`,
        metric: 'deliveries/s (2 nodes vs 1)',
        cchub: `${fmt(two.per_s)} vs ${fmt(one.per_s)}`,
        target: '≥ 1.6x where subscribers are the bottleneck',
        met: fanRatio !== null && fanRatio >= 1.6,
        note: `ratio ${fanRatio}x; both nodes and the load generator share this machine's cores, so the second node adds no CPU here`,
      },
      {
        bench: `8b. Cross-node vs same-node latency (1,000 msg/s, ${seconds} s)`,
        metric: 'p50 / p99 ms',
        cchub: `${show(cross.latency_ms)} vs ${show(same.latency_ms)}`,
        target: 'cross-node p99 ≤ 5 ms',
        met: cross.latency_ms.p99 <= 5 && cross.lost === 0,
        note: `cross-node lost ${cross.lost}, dup ${cross.dups}, gaps ${cross.gaps}`,
      },
    ]
  })
  const fail = await withNodes(['A', 'B'], (nodes) =>
    failover(nodes, { clients: ctx.size(10, 50, 100), leaseMs: LEASE_MS }),
  )
  ctx.out({ bench: 'cluster', run: 'failover', ...fail })
  rows.push({
    bench: `8c. Node failure (kill -9, lease ${LEASE_MS} ms, ${fail.clients} clients)`,
    metric: 'ms to interrupted / all clients resumed',
    cchub: `${fail.interrupted_ms} / ${fail.resumed_ms}`,
    target: `interrupted ≤ lease + a third (${Math.round((LEASE_MS * 4) / 3)} ms)`,
    met: fail.interrupted_ms <= (LEASE_MS * 4) / 3 + 250 && fail.gaps === 0 && fail.dups === 0,
    note: `gaps ${fail.gaps}, duplicates ${fail.dups} over the resumed channels`,
  })
  return rows
}
