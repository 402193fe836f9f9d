// Cross-node against same-node delivery latency, paired: every event reaches a client on each node in the same run.
import type { Ctx, Row } from '../lib/bench.ts'
import { deliver } from '../lib/cluster-nodes.ts'
import type { Target } from '../lib/targets.ts'

// Each channel has one subscriber on the publishing node A (same-node) and one on B (cross-node: A stores the event,
// publishes it to Redis, B's gateway sends it). Both see the same events at the same moments, so the machine's load
// hits both alike and the difference is the Redis hop. Latency is publish-to-receive from the wall-clock stamp the
// publisher puts into each payload (one clock: performance.timeOrigin + now() agree across processes to ~10 µs).
// Few subscribers at a paced 1,000 msg/s keep the machine from saturating, so queueing does not hide the hop.

const CHANNELS = 20
const RATE = 1000

export async function clusterLatency(ctx: Ctx, [a, b]: Target[], sessions: (n: number) => Promise<string[]>) {
  const seconds = ctx.size(3, 10, 30)
  const d = await deliver(
    a!,
    [
      { node: a!, group: 'same', clients: CHANNELS },
      { node: b!, group: 'cross', clients: CHANNELS },
    ],
    {
      channels: await sessions(CHANNELS),
      count: RATE * seconds,
      warmup: RATE * 2,
      rate: RATE,
      latency: true,
      pair: ['same', 'cross'],
    },
  )
  // BENCH_TRACE=1 (passed on to the nodes): how long node A's store appends and event-loop stalls took, for the tail
  if (process.env.BENCH_TRACE === '1')
    ctx.out({ bench: 'cluster', run: 'latency trace A', ...(await a!.child.request('trace')) })
  const same = d.got.latency_by_group.same
  const cross = d.got.latency_by_group.cross
  const hop = d.got.hop_ms
  const achieved = Math.round(d.publish.published / (d.publish.publish_ms / 1000))
  ctx.out({ bench: 'cluster', run: 'latency', same, cross, hop, achieved_rate: achieved, ...d.got, ...d.cpu })
  const lossless = d.got.lost === 0 && d.got.dups === 0 && d.got.gaps === 0
  const show = (l: any) => `${l.p50.toFixed(2)} / ${l.p99.toFixed(2)} / ${l.max.toFixed(1)}`
  const row: Row = {
    bench: `9b. Cross-node vs same-node latency (${RATE} msg/s over ${CHANNELS} channels, a subscriber of each on both nodes, ${seconds} s)`,
    metric: 'p50 / p99 / max ms, cross-node vs same-node',
    cchub: `${show(cross)} vs ${show(same)}`,
    target: 'cross-node p99 ≤ 5 ms',
    met: cross.p99 <= 5 && lossless,
    note:
      `the hop itself (the same event at B's client minus at A's client) p50 / p99 / max ${show(hop)} ms; ` +
      `published ${achieved} msg/s; machine busy ${d.cpu.machine_busy_pct}% (other jobs ${d.cpu.others_cores} cores); ` +
      `lost ${d.got.lost}, dup ${d.got.dups}, gaps ${d.got.gaps}`,
  }
  return row
}
