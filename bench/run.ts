#!/usr/bin/env bun
// `bun run bench`: runs every benchmark and the peers, prints one JSON line per result, updates docs/benchmarks.md.
//
// Each server runs in its own process on 127.0.0.1, the load from a worker process; results go to stdout, and the
// summary table in docs/benchmarks.md is rewritten between its markers.
//
//   bun run bench                      default sizes (the sizes; latency runs 10 s)
//   bun run bench -- --full            the numbers throughout (latency 30 s)
//   bun run bench -- --quick           small sizes, for trying the harness (does not touch docs/benchmarks.md)
//   bun run bench -- --only fanout,latency
//   bun run bench -- --profile         also writes CPU profiles (markdown) of the cchub servers to bench/profiles/
//   bun run bench -- --no-docs         print only
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { binary } from './benchmarks/binary.ts'
import { connections } from './benchmarks/connections.ts'
import { eventlog } from './benchmarks/eventlog.ts'
import { fanout } from './benchmarks/fanout.ts'
import { latency } from './benchmarks/latency.ts'
import { relay } from './benchmarks/relay.ts'
import { store } from './benchmarks/store.ts'
import { uploads } from './benchmarks/uploads.ts'
import { makeCtx, type Ctx, type Preset, type Row } from './lib/bench.ts'
import { NODE, ROOT, exists } from './lib/proc.ts'

const BENCHES: Record<string, (ctx: Ctx) => Promise<Row[]>> = {
  fanout,
  latency,
  connections,
  relay,
  eventlog,
  uploads,
  binary,
  store,
}
const DOC = join(ROOT, 'docs', 'benchmarks.md')
const LATEST = join(ROOT, 'bench', 'results', 'latest.json')
export const BEGIN = '<!-- bench:results:begin -->'
export const END = '<!-- bench:results:end -->'

const argv = process.argv.slice(2)
const flag = (name: string) => argv.includes(name)
const value = (name: string) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const preset: Preset = flag('--quick') ? 'quick' : flag('--full') ? 'full' : 'default'
const only = (value('--only') ?? Object.keys(BENCHES).join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
for (const name of only)
  if (!BENCHES[name]) throw new Error(`unknown benchmark ${name}; choose from ${Object.keys(BENCHES).join(', ')}`)
const ctx = makeCtx(preset, flag('--profile') ? join(ROOT, 'bench', 'profiles') : undefined)

// uploads only when the files module (issue 6) is there
const hasUploads =
  exists(join(ROOT, 'src/modules/files/index.ts')) &&
  readFileSync(join(ROOT, 'src/modules/files/index.ts'), 'utf8').includes("'/upload'")

const started = new Date()
const load0 = loadavg()[0]!
const results: Record<string, { rows: Row[]; date: string; preset: Preset; load_start: number; load_end: number }> = {}
const failures: { bench: string; error: string }[] = []
for (const name of only) {
  if (name === 'uploads' && !hasUploads) {
    ctx.out({ bench: 'uploads', skipped: 'src/modules/files has no POST /api/v1/files/upload yet' })
    continue
  }
  ctx.log(`${name} (${preset})…`)
  const t0 = performance.now()
  const l0 = loadavg()[0]!
  try {
    const rows = await BENCHES[name]!(ctx)
    results[name] = {
      rows,
      date: new Date().toISOString(),
      preset,
      load_start: round2(l0),
      load_end: round2(loadavg()[0]!),
    }
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err)
    failures.push({ bench: name, error })
    ctx.out({ bench: name, error })
  }
  ctx.log(`${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

const nodeVersion = Bun.spawnSync([NODE, '--version']).stdout.toString().trim()
const wsVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/ws/package.json'), 'utf8')).version
const env = {
  date: started.toISOString(),
  preset,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  mem_gb: Math.round(totalmem() / 2 ** 30),
  load_start: round2(load0),
  load_end: round2(loadavg()[0]!),
  bun: Bun.version,
  node: nodeVersion,
  ws: wsVersion,
}
ctx.out({ bench: 'environment', ...env, failures })

if (preset !== 'quick' && !flag('--no-docs') && Object.keys(results).length) writeDoc()
process.exit(failures.length ? 1 : 0)

function round2(v: number): number {
  return Math.round(v * 100) / 100
}

/** Merges this run's rows into bench/results/latest.json (per benchmark) and renders the table from it. */
function writeDoc(): void {
  let saved: { env?: typeof env; benches: typeof results } = { benches: {} }
  if (exists(LATEST)) saved = JSON.parse(readFileSync(LATEST, 'utf8'))
  Object.assign(saved.benches, results)
  saved.env = env
  mkdirSync(dirname(LATEST), { recursive: true })
  writeFileSync(LATEST, JSON.stringify(saved, null, 2) + '\n')

  const cell = (v: unknown) => (v === undefined || v === null || v === '' ? '—' : String(v))
  const met = (m: boolean | null) => (m === null ? 'context' : m ? '**met**' : '**missed**')
  const ratioCell = (r: number | null | undefined) => (r === undefined || r === null ? '—' : `${r}x`)
  const order = Object.keys(BENCHES).filter((k) => saved.benches[k])
  const lines = [
    BEGIN,
    `Machine: ${env.cores} × ${env.cpu}, ${env.mem_gb} GB; Bun ${env.bun}, Node ${env.node}, ws ${env.ws}. ` +
      'Each benchmark row shows when it last ran, with which preset, and the 1-minute load average before → after it (the machine is shared: read the ratios, not the absolute numbers).',
    '',
    '| Benchmark | Metric | cchub | bare Bun peer | Node `ws` peer | vs Bun | vs Node | Target | Result | Run (preset, load) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
  ]
  const notes: string[] = []
  for (const k of order) {
    const b = saved.benches[k]!
    for (const r of b.rows) {
      lines.push(
        `| ${r.bench} | ${r.metric} | ${cell(r.cchub)} | ${cell(r.bun)} | ${cell(r.node)} | ${ratioCell(r.ratio_bun)} | ${ratioCell(r.ratio_node)} | ${r.target} | ${met(r.met)} | ${b.date.slice(0, 16).replace('T', ' ')} (${b.preset}, ${b.load_start} → ${b.load_end}) |`,
      )
      if (r.note) notes.push(`- ${r.bench.replace(/ \(.*/, '')} — ${r.metric}: ${r.note}`)
    }
  }
  lines.push(
    '',
    ...notes,
    ...(failures.length ? ['', ...failures.map((f) => `- **${f.bench} failed in the last run**: ${f.error}`)] : []),
    END,
  )
  const block = lines.join('\n')
  let doc = exists(DOC) ? readFileSync(DOC, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`
  if (!doc.includes(BEGIN) || !doc.includes(END)) doc += `\n${BEGIN}\n${END}\n`
  doc = doc.slice(0, doc.indexOf(BEGIN)) + block + doc.slice(doc.indexOf(END) + END.length)
  writeFileSync(DOC, doc)
  ctx.log(`updated ${DOC}`)
}
