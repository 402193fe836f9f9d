// 4. Execution relay: lines/s from E concurrent fake CLIs (L lines each, full speed) to WebSocket clients and the log.
import type { Ctx, Row } from '../lib/bench.ts'
import { fmt, ratio } from '../lib/bench.ts'
import { BUN, cpuOf } from '../lib/proc.ts'
import { FAKE_CLAUDE, FAKE_VARS, startCchub, startPeer, withTarget } from '../lib/targets.ts'

// The CLI prints recorded-looking lines as fast as it can; clients watch /ws/executions/<id>; the log is read back over
// GET /api/v1/claude/sessions/:id/logs; zero lost. Also the per-line overhead from the moment the CLI printed the line
// (stamped in it) to the client. Peer: bench/peers/bun-relay.ts (spawn, read lines, insert into SQLite, publish).

/**
 * Lines the fake CLI prints per turn in `lines`/`slow` mode besides the deltas (init, status, message_start, …,
 * result).
 */
const FRAME_LINES = 9

async function runCchub(ctx: Ctx, executions: number, env: Record<string, string>, phase: string) {
  return withTarget(
    () =>
      startCchub({
        env,
        flags: [
          '--claude-bin',
          FAKE_CLAUDE,
          '--claude-env-allow',
          FAKE_VARS.join(','),
          '--claude-max-concurrent',
          String(executions),
          '--claude-max-per-user',
          String(executions),
        ],
        profileDir: ctx.profileDir ? `${ctx.profileDir}/relay-${phase}` : undefined,
      }),
    async (t, w) => {
      const { workspace_id } = await t.child.request('setup', { sessions: 0 })
      const cpu0 = cpuOf(t.pid)
      const r = await w.request(
        'relay',
        { port: t.port, token: t.token, workspaceId: workspace_id, n: executions, timeoutMs: 600_000 },
        900_000,
      )
      return { ...strip(r), server_cpu_s: cpuOf(t.pid) - cpu0 }
    },
  )
}

async function runPeer(executions: number, env: Record<string, string>) {
  return withTarget(
    () =>
      startPeer('bun', [BUN, 'bench/peers/bun-relay.ts', '--port', '0', '--bin', FAKE_CLAUDE], {
        name: 'bun-relay',
        env,
        wsPath: '',
      }),
    async (t, w) => {
      const cpu0 = cpuOf(t.pid)
      const r = await w.request(
        'relay',
        { port: t.port, token: 'none', workspaceId: '', n: executions, timeoutMs: 600_000 },
        900_000,
      )
      return { ...strip(r), server_cpu_s: cpuOf(t.pid) - cpu0 }
    },
  )
}

export async function relay(ctx: Ctx): Promise<Row[]> {
  const executions = ctx.size(10, 50, 50)
  const lines = ctx.size(300, 2000, 2000)
  const expected = executions * (lines + FRAME_LINES)
  // throughput: every CLI prints its lines as fast as it can (lines are queued in pipes: the latency then is backlog)
  const fast = { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: String(lines), FAKE_CLAUDE_STAMP: '1' }
  // overhead: the same CLIs paced (a line every 20 ms each, ~2,500 lines/s in total, about a fast model's token
  // rate), so queues stay short and the stamp-to-client time is the relay's own cost (for cchub including its
  // ≤ 40 ms delta coalescing)
  const pacedLines = ctx.size(50, 150, 250)
  const paced = {
    FAKE_CLAUDE_MODE: 'slow',
    FAKE_CLAUDE_LINES: String(pacedLines),
    FAKE_CLAUDE_DELAY_MS: '20',
    FAKE_CLAUDE_STAMP: '1',
  }
  const res: Record<string, any> = {}
  for (const [kind, run] of [
    ['cchub', (env: Record<string, string>, phase: string) => runCchub(ctx, executions, env, phase)],
    ['bun', (env: Record<string, string>) => runPeer(executions, env)],
  ] as const) {
    const thr = await run(fast, 'throughput')
    ctx.out({
      bench: 'relay',
      phase: 'throughput',
      target: kind,
      executions,
      lines_per_execution: lines + FRAME_LINES,
      expected,
      ...thr,
    })
    const ovh = await run(paced, 'overhead')
    ctx.out({
      bench: 'relay',
      phase: 'overhead',
      target: kind,
      executions,
      lines_per_execution: pacedLines + FRAME_LINES,
      expected: executions * (pacedLines + FRAME_LINES),
      ...ovh,
    })
    res[kind] = { thr, ovh }
  }
  const c = res.cchub
  const pacedExpected = executions * (pacedLines + FRAME_LINES)
  const lossless =
    c.thr.lines_received === expected &&
    c.thr.lines_logged === expected &&
    c.thr.lines_min_per_execution === lines + FRAME_LINES &&
    c.ovh.lines_received === pacedExpected &&
    c.ovh.lines_logged === pacedExpected
  const rb = ratio(c.thr.lines_per_s, res.bun.thr.lines_per_s)
  ctx.out({
    bench: 'relay',
    summary: true,
    ratio_vs_bun: rb,
    lossless,
    overhead_p99_ms: c.ovh.overhead_ms.p99,
    target: 'zero lost (report lines/s and per-line overhead p99)',
    met: lossless,
  })
  const title = `4. Execution relay (${executions} executions × ${fmt(lines + FRAME_LINES)} lines)`
  return [
    {
      bench: title,
      metric: 'lines/s stdout → client & log',
      cchub: fmt(c.thr.lines_per_s),
      bun: fmt(res.bun.thr.lines_per_s),
      ratio_bun: rb,
      target: 'zero lost',
      met: lossless,
      note:
        `received ${fmt(c.thr.lines_received)}, logged ${fmt(c.thr.lines_logged)} of ${fmt(expected)} (paced run: ${fmt(c.ovh.lines_received)} / ${fmt(c.ovh.lines_logged)} of ${fmt(pacedExpected)}); ` +
        `WebSocket frames ${fmt(c.thr.frames)} for cchub (text deltas coalesced) vs ${fmt(res.bun.thr.frames)} for the peer; server CPU s: cchub ${c.thr.server_cpu_s.toFixed(2)}, peer ${res.bun.thr.server_cpu_s.toFixed(2)}`,
    },
    {
      bench: `4. Execution relay (${executions} executions × ${fmt(pacedLines + FRAME_LINES)} lines, a line every 20 ms each)`,
      metric: 'per-line overhead stdout → client, p50 / p99 ms',
      cchub: `${c.ovh.overhead_ms.p50.toFixed(1)} / ${c.ovh.overhead_ms.p99.toFixed(1)}`,
      bun: `${res.bun.ovh.overhead_ms.p50.toFixed(1)} / ${res.bun.ovh.overhead_ms.p99.toFixed(1)}`,
      ratio_bun: ratio(res.bun.ovh.overhead_ms.p99, c.ovh.overhead_ms.p99),
      target: '(context; cchub coalesces deltas ≤ 40 ms by design)',
      met: null,
      note: `flat-out run (lines queued in the pipes): p50 ${c.thr.overhead_ms.p50.toFixed(0)} ms for cchub, ${res.bun.thr.overhead_ms.p50.toFixed(0)} ms for the peer`,
    },
  ]
}

function strip(r: Record<string, any>) {
  const { id: _id, ok: _ok, ...rest } = r
  return rest
}
