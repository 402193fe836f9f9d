// 2. Latency: C connections over K channels, R messages/s for D seconds; publish-to-receive p50/p99/p99.9, none lost.
import type { Ctx, Row } from '../lib/bench.ts'
import { fmt, ratio } from '../lib/bench.ts'
import { startTarget, withTarget, type Kind } from '../lib/targets.ts'

// Measured from the publish timestamp inside each payload (wall clock, same machine); every frame is counted.

export async function latency(ctx: Ctx): Promise<Row[]> {
  const connections = ctx.size(200, 1000, 1000)
  const channelsN = ctx.size(20, 100, 100)
  const rate = ctx.size(500, 1000, 1000)
  const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? ctx.size(3, 10, 30))
  const count = rate * seconds
  const perChannel = connections / channelsN
  const res: Record<string, any> = {}
  for (const kind of ['cchub', 'bun', 'node'] as Kind[]) {
    res[kind] = await withTarget(
      () => startTarget(kind, { profileDir: ctx.profileDir ? `${ctx.profileDir}/latency` : undefined }),
      async (t, w) => {
        const channels =
          kind === 'cchub'
            ? ((await t.child.request('setup', { sessions: channelsN })).session_ids as string[]).map(
                (id) => `session:${id}`,
              )
            : Array.from({ length: channelsN }, () => `session:${crypto.randomUUID()}`)
        const identities = channels.map((ch) => ({ path: t.wsPath, channels: [ch] }))
        const conn = await w.request('connect', { port: t.port, count: connections, concurrency: 100, identities })
        if (conn.connected !== connections)
          throw new Error(`${kind}: only ${conn.connected}/${connections} connected: ${conn.errors}`)
        // warm-up second at the same rate, not measured
        await w.request('arm', { expect: rate * perChannel })
        const warm = w.request('wait', { timeoutMs: 20_000 })
        await t.child.request('publish', { channels, count: rate, bytes: 64, rate })
        await warm
        await w.request('arm', { expect: count * perChannel, latency: true })
        const waiting = w.request('wait', { timeoutMs: (seconds + 60) * 1000, stallMs: 5000 }, (seconds + 90) * 1000)
        const pub = await t.child.request('publish', { channels, count, bytes: 64, rate }, (seconds + 60) * 1000)
        const got = await waiting
        const r = {
          bench: 'latency',
          target: kind,
          connections,
          channels: channelsN,
          rate,
          seconds,
          expected: got.expected,
          received: got.received,
          lost: got.lost,
          dups: got.dups,
          gaps: got.gaps,
          latency_ms: got.latency_ms,
          achieved_rate: Math.round(count / (pub.publish_ms / 1000)),
        }
        ctx.out(r)
        return r
      },
    )
  }
  const c = res.cchub.latency_ms
  const lossless = res.cchub.lost === 0 && res.cchub.dups === 0 && res.cchub.gaps === 0
  const met = c.p99 <= 10 && c.p999 <= 25 && lossless
  // for latency lower is better: ratio = peer ÷ cchub (>1 means cchub is faster)
  ctx.out({
    bench: 'latency',
    summary: true,
    p99_ratio_vs_bun: ratio(res.bun.latency_ms.p99, c.p99),
    p99_ratio_vs_node: ratio(res.node.latency_ms.p99, c.p99),
    lossless,
    target: 'p99 <= 10 ms, p99.9 <= 25 ms, nothing lost',
    met,
  })
  const show = (l: any) => `${l.p50.toFixed(2)} / ${l.p99.toFixed(2)} / ${l.p999.toFixed(2)}`
  return [
    {
      bench: `2. Latency (${connections} conns, ${channelsN} channels, ${rate} msg/s, ${seconds} s)`,
      metric: 'p50 / p99 / p99.9 ms',
      cchub: show(c),
      bun: show(res.bun.latency_ms),
      node: show(res.node.latency_ms),
      ratio_bun: ratio(res.bun.latency_ms.p99, c.p99),
      ratio_node: ratio(res.node.latency_ms.p99, c.p99),
      target: 'p99 ≤ 10 ms, p99.9 ≤ 25 ms, none lost',
      met,
      note: `received ${fmt(res.cchub.received)}/${fmt(res.cchub.expected)}, lost ${res.cchub.lost}, dup ${res.cchub.dups}; ratio = peer p99 ÷ cchub p99`,
    },
  ]
}
