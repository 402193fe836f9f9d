// 3. Connections: N authenticated sockets, each on its own user: channel: connect rate and server RSS per idle one.
import type { Ctx, Row } from '../lib/bench.ts'
import { fmt, ratio } from '../lib/bench.ts'
import { memOf, nofileLimits } from '../lib/proc.ts'
import { login, startTarget, withTarget, type Kind, ADMIN_PASSWORD, type Target } from '../lib/targets.ts'

// A few users; RSS is VmRSS after GC, before and after; all N connections are still held at the end.

const USERS = 20

async function identities(t: Target): Promise<{ path: string; channels: string[] }[]> {
  if (t.kind !== 'cchub') return Array.from({ length: USERS }, (_, i) => ({ path: t.wsPath, channels: [`user:${i}`] }))
  const out = []
  for (let i = 0; i < USERS; i++) {
    const username = `bench${i}`
    const r = await fetch(`${t.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: `${ADMIN_PASSWORD}-${i}`, role: 'user' }),
    })
    if (r.status !== 201) throw new Error(`create user: ${r.status} ${await r.text()}`)
    const id = ((await r.json()) as { id: string }).id
    const token = await login(t.url, username, `${ADMIN_PASSWORD}-${i}`)
    out.push({ path: `/ws?token=${encodeURIComponent(token)}`, channels: [`user:${id}`] })
  }
  return out
}

export async function connections(ctx: Ctx): Promise<Row[]> {
  const n = Number(process.env.BENCH_CONNECTIONS ?? ctx.size(1000, 10_000, 10_000))
  const lim = nofileLimits()
  const nofile = Math.min(lim.hard, n + 2000)
  if (lim.hard < n + 200) ctx.log(`open-files hard limit ${lim.hard} is below ${n} connections; expect refusals`)
  const res: Record<string, any> = {}
  for (const kind of ['cchub', 'bun', 'node'] as Kind[]) {
    res[kind] = await withTarget(
      () => startTarget(kind, { nofile, profileDir: ctx.profileDir ? `${ctx.profileDir}/connections` : undefined }),
      async (t, w) => {
        const ids = await identities(t)
        // a first small batch so lazily created structures are not counted per connection
        await w.request('connect', { port: t.port, count: 20, concurrency: 20, identities: ids })
        await t.child.request('gc')
        await Bun.sleep(300)
        await t.child.request('gc')
        const before = memOf(t.pid)!.rssKb
        const conn = await w.request(
          'connect',
          { port: t.port, count: n, concurrency: 200, identities: ids, timeoutMs: 60_000 },
          600_000,
        )
        await Bun.sleep(2000)
        await t.child.request('gc')
        await Bun.sleep(300)
        await t.child.request('gc')
        const after = memOf(t.pid)!.rssKb
        await Bun.sleep(Number(ctx.size(500, 3000, 5000)))
        const held = await w.request('clients', {})
        const r = {
          bench: 'connections',
          target: kind,
          requested: n,
          connected: conn.connected,
          failed: conn.failed,
          errors: conn.errors,
          connect_per_s: Math.round(conn.per_s),
          connect_ms: Math.round(conn.ms),
          held: held.open - 20,
          rss_before_kb: before,
          rss_after_kb: after,
          rss_per_conn_kb: Math.round(((after - before) / n) * 100) / 100,
          nofile_soft: lim.soft,
          nofile_hard: lim.hard,
        }
        ctx.out(r)
        return r
      },
      nofile,
    )
  }
  const c = res.cchub
  const met = c.rss_per_conn_kb <= 10 && c.held === n
  ctx.out({
    bench: 'connections',
    summary: true,
    connect_rate_ratio_vs_bun: ratio(c.connect_per_s, res.bun.connect_per_s),
    connect_rate_ratio_vs_node: ratio(c.connect_per_s, res.node.connect_per_s),
    target: '<= 10 KB RSS per idle connection, all held',
    met,
  })
  return [
    {
      bench: `3. Connections (${fmt(n)} authenticated, each on its user: channel)`,
      metric: 'RSS KB per idle connection',
      cchub: fmt(c.rss_per_conn_kb, 2),
      bun: fmt(res.bun.rss_per_conn_kb, 2),
      node: fmt(res.node.rss_per_conn_kb, 2),
      ratio_bun: ratio(res.bun.rss_per_conn_kb, c.rss_per_conn_kb),
      ratio_node: ratio(res.node.rss_per_conn_kb, c.rss_per_conn_kb),
      target: '≤ 10 KB, all held',
      met,
      note: `held ${fmt(c.held)}/${fmt(n)}; ratio = peer KB ÷ cchub KB`,
    },
    {
      bench: `3. Connections (${fmt(n)} authenticated, each on its user: channel)`,
      metric: 'connects/s (upgrade + auth + subscribe)',
      cchub: fmt(c.connect_per_s),
      bun: fmt(res.bun.connect_per_s),
      node: fmt(res.node.connect_per_s),
      ratio_bun: ratio(c.connect_per_s, res.bun.connect_per_s),
      ratio_node: ratio(c.connect_per_s, res.node.connect_per_s),
      target: '(context)',
      met: null,
    },
  ]
}
