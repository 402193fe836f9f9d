// 7. Binary: size of dist/cchub and its start-up time to a ready /health (fresh and restarted), vs `bun src/main.ts`.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Ctx, Row } from '../lib/bench.ts'
import { fmt, ratio } from '../lib/bench.ts'
import { BUN, ROOT, exists, freePort, track, waitHttp } from '../lib/proc.ts'
import { summarize } from '../lib/stats.ts'

// A start on a fresh data directory includes creating the database and hashing the admin password; the restart reuses
// the same directory.

const BINARY = join(ROOT, 'dist', 'cchub')

/** Builds dist/cchub when it is missing or older than the newest source file. */
async function ensureBinary(ctx: Ctx): Promise<void> {
  const newest = Math.max(
    ...[...new Bun.Glob('src/**/*.ts').scanSync({ cwd: ROOT })].map((f) => statSync(join(ROOT, f)).mtimeMs),
  )
  if (exists(BINARY) && statSync(BINARY).mtimeMs >= newest) return
  ctx.log('building dist/cchub (bun run compile)')
  const p = track(Bun.spawn([BUN, 'scripts/compile.ts'], { cwd: ROOT, stdout: 'ignore', stderr: 'pipe' }))
  if ((await p.exited) !== 0)
    throw new Error(`bun run compile failed: ${await new Response(p.stderr as ReadableStream).text()}`)
}

async function startupMs(cmd: string[], dataDir: string): Promise<number> {
  const port = freePort()
  const t0 = performance.now()
  const p = track(
    Bun.spawn(
      [
        ...cmd,
        '--port',
        String(port),
        '--data-dir',
        dataDir,
        '--admin-password',
        'bench-admin-password',
        '--log-level',
        'silent',
      ],
      { cwd: ROOT, stdout: 'ignore', stderr: 'ignore' },
    ),
  )
  try {
    const waited = await waitHttp(`http://127.0.0.1:${port}/health`, 30_000, 2)
    if (waited < 0) throw new Error(`${cmd.join(' ')} did not answer /health within 30 s`)
    return performance.now() - t0
  } finally {
    p.kill('SIGTERM')
    const t = setTimeout(() => p.kill('SIGKILL'), 5000)
    await p.exited
    clearTimeout(t)
  }
}

export async function binary(ctx: Ctx): Promise<Row[]> {
  await ensureBinary(ctx)
  const runs = ctx.size(2, 5, 10)
  const size = statSync(BINARY).size
  const kinds = { binary: [BINARY], bun_src: [BUN, 'src/main.ts'] }
  const res: Record<string, { fresh: number; restart: number }> = {}
  for (const [name, cmd] of Object.entries(kinds)) {
    const fresh: number[] = []
    const restart: number[] = []
    for (let i = 0; i < runs; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'cchub-bench-bin-'))
      try {
        fresh.push(await startupMs(cmd, join(dir, 'data')))
        restart.push(await startupMs(cmd, join(dir, 'data')))
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
    res[name] = { fresh: summarize(fresh).p50, restart: summarize(restart).p50 }
    ctx.out({
      bench: 'binary',
      target: name,
      runs,
      fresh_start_ms_p50: Math.round(res[name].fresh),
      restart_ms_p50: Math.round(res[name].restart),
      fresh_all: fresh.map(Math.round),
      restart_all: restart.map(Math.round),
      ...(name === 'binary' ? { size_mb: Math.round(size / 1e5) / 10 } : {}),
    })
  }
  const r = ratio(res.bun_src!.restart, res.binary!.restart)
  ctx.out({
    bench: 'binary',
    summary: true,
    size_bytes: size,
    restart_speedup_vs_bun_src: r,
    target: '(context: start-up and size)',
    met: null,
  })
  return [
    {
      bench: `7. Binary (dist/cchub, median of ${runs})`,
      metric: 'start → /health 200, ms (fresh dir / restart)',
      cchub: `${fmt(res.binary!.fresh)} / ${fmt(res.binary!.restart)}`,
      bun: `${fmt(res.bun_src!.fresh)} / ${fmt(res.bun_src!.restart)} (bun src/main.ts)`,
      ratio_bun: r,
      target: '(context)',
      met: null,
      note: `size ${fmt(size / 1e6, 1)} MB; ratio = bun src restart ÷ binary restart`,
    },
  ]
}
