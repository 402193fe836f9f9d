// 1. Fan-out: deliveries/s to N authenticated subscribers of one session: channel via the real path, against the peers.
import type { Ctx, Row } from '../lib/bench.ts'
import { fmt, ratio } from '../lib/bench.ts'
import { cpuOf } from '../lib/proc.ts'
import { startTarget, withTarget, type Kind } from '../lib/targets.ts'

// The real path: log.emit → seq → SQLite → bus → envelope → server.publish.

export async function fanout(ctx: Ctx): Promise<Row[]> {
  const subscribers = ctx.size(200, 1000, 1000)
  const events = ctx.size(300, 2000, 5000)
  const bytes = 64
  const res: Record<string, any> = {}
  for (const kind of ['cchub', 'bun', 'node'] as Kind[]) {
    res[kind] = await withTarget(
      () => startTarget(kind, { profileDir: ctx.profileDir ? `${ctx.profileDir}/fanout` : undefined }),
      async (t, w) => {
        const channel =
          kind === 'cchub'
            ? `session:${((await t.child.request('setup', { sessions: 1 })).session_ids as string[])[0]}`
            : `session:${crypto.randomUUID()}`
        const conn = await w.request('connect', {
          port: t.port,
          count: subscribers,
          concurrency: 100,
          identities: [{ path: t.wsPath, channels: [channel] }],
        })
        if (conn.connected !== subscribers)
          throw new Error(`${kind}: only ${conn.connected}/${subscribers} subscribers connected: ${conn.errors}`)
        // warm-up (JIT, page cache, first batch)
        await w.request('arm', { expect: subscribers * 100 })
        const warm = w.request('wait', { timeoutMs: 30_000 })
        await t.child.request('publish', { channels: [channel], count: 100, bytes, rate: 0 })
        await warm
        await w.request('arm', { expect: subscribers * events })
        const waiting = w.request('wait', { timeoutMs: 300_000, stallMs: 10_000 }, 310_000)
        const cpu0 = cpuOf(t.pid)
        const pub = await t.child.request('publish', { channels: [channel], count: events, bytes, rate: 0 }, 300_000)
        const got = await waiting
        const cpu = cpuOf(t.pid) - cpu0
        const r = {
          bench: 'fanout',
          target: kind,
          subscribers,
          events,
          deliveries: got.received,
          lost: got.lost,
          dups: got.dups,
          gaps: got.gaps,
          deliveries_per_s: Math.round(got.per_s),
          span_ms: Math.round(got.span_ms),
          server_cpu_s: cpu,
          server_cpu_us_per_delivery: got.received ? Math.round(((cpu * 1e6) / got.received) * 100) / 100 : null,
          publish: pub,
        }
        ctx.out(r)
        return r
      },
    )
  }
  const c = res.cchub.deliveries_per_s
  const rb = ratio(c, res.bun.deliveries_per_s)
  const rn = ratio(c, res.node.deliveries_per_s)
  const lossless = res.cchub.lost === 0 && res.cchub.dups === 0 && res.cchub.gaps === 0
  ctx.out({
    bench: 'fanout',
    summary: true,
    ratio_vs_bun: rb,
    ratio_vs_node: rn,
    lossless,
    target: '>= 0.5x bare Bun, >= 3x Node ws',
    met: rb !== null && rn !== null && rb >= 0.5 && rn >= 3 && lossless,
  })
  return [
    {
      bench: `1. Fan-out (${subscribers} subscribers, ${events} events)`,
      metric: 'deliveries/s',
      cchub: fmt(c),
      bun: fmt(res.bun.deliveries_per_s),
      node: fmt(res.node.deliveries_per_s),
      ratio_bun: rb,
      ratio_node: rn,
      target: '≥ 0.5x Bun, ≥ 3x Node',
      met: rb !== null && rn !== null && rb >= 0.5 && rn >= 3 && lossless,
      note: `lost ${res.cchub.lost}, dup ${res.cchub.dups}; server CPU µs/delivery: cchub ${res.cchub.server_cpu_us_per_delivery}, Bun ${res.bun.server_cpu_us_per_delivery}, Node ${res.node.server_cpu_us_per_delivery}`,
    },
  ]
}
