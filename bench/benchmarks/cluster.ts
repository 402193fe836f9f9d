// 9. Several nodes (PostgreSQL + Redis): fan-out over two nodes vs one, cross-node vs same-node latency, a node's death.
import { requirePostgres } from '../../test/support/postgres.ts'
import { requireRedis } from '../../test/support/redis.ts'
import type { Ctx, Row } from '../lib/bench.ts'
import { LEASE_MS, withNodes } from '../lib/cluster-nodes.ts'
import { clusterFanout } from './cluster-fanout.ts'
import { clusterLatency } from './cluster-latency.ts'
import { failover } from './cluster-failover.ts'

export async function cluster(ctx: Ctx): Promise<Row[]> {
  if (!(await requirePostgres('bench cluster')) || !(await requireRedis('bench cluster'))) {
    ctx.out({ bench: 'cluster', skipped: 'PostgreSQL or Redis is not reachable' })
    return []
  }
  const rows = await withNodes(['A', 'B'], async (nodes) => {
    const sessions = (n: number) =>
      nodes[0]!.child
        .request('setup', { sessions: n })
        .then((r) => (r.session_ids as string[]).map((id) => `session:${id}`))
    // latency first, while nothing else of this benchmark has loaded the machine
    ctx.log('cluster: latency, paired same-node and cross-node')
    const latency = await clusterLatency(ctx, nodes, sessions)
    ctx.log('cluster: fan-out, one node then two')
    const fan = await clusterFanout(ctx, nodes, sessions)
    return [fan, latency]
  })
  ctx.log('cluster: node failure')
  const fail = await withNodes(['A', 'B'], (nodes) =>
    failover(nodes, { clients: ctx.size(10, 50, 100), leaseMs: LEASE_MS }),
  )
  ctx.out({ bench: 'cluster', run: 'failover', ...fail })
  rows.push({
    bench: `9c. Node failure (kill -9, lease ${LEASE_MS} ms, ${fail.clients} clients)`,
    metric: 'ms to interrupted / all clients resumed',
    cchub: `${fail.interrupted_ms} / ${fail.resumed_ms}`,
    target: `interrupted ≤ lease + a third (${Math.round((LEASE_MS * 4) / 3)} ms)`,
    met: fail.interrupted_ms <= (LEASE_MS * 4) / 3 + 250 && fail.gaps === 0 && fail.dups === 0,
    note: `gaps ${fail.gaps}, duplicates ${fail.dups} over the resumed channels`,
  })
  return rows
}
