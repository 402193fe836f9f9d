#!/usr/bin/env bun
// `bun run soak`: the long reliability runs, bounded in time, on 127.0.0.1 only, one JSON line per result.
//
//   storm     1,000 clients dropped (TCP reset or close) and resumed with `since` at random while a publisher runs:
//             every client gets every seq exactly once, in order.
//   overload  fan-out capacity measured first, then 2x that rate for 60 s with fast clients (resume on close) and
//             slow clients (never read): no crash, RSS within 2x of the steady state, slow clients closed, fast ones
//             lose nothing.
//   churn     1,000 connections over 100 channels, 20% of them reconnecting per minute for 5 minutes while events flow
//             (100/s on 10 of the channels, whose replay rings are filled first):
//             memory drift under 5% (RSS after GC, from a baseline taken after one full turnover of the connections,
//             which sets the allocator's high-water mark; the drift from before any churn and the JS object count
//             are reported too), subscription counts in /api/v1/ws/stats exactly what the clients hold, no gap/dup.
//
//   fuzz      test/reliability/bad-input.test.ts with FUZZ_COUNT=10000: 10,000 fuzzed WebSocket frames and 10,000
//             fuzzed HTTP bodies, each answered in the error shape, nothing leaked, the server up (1,000 in `bun
// test`).
//
//   bun run soak                   all four at the sizes (about 10 minutes)
//   bun run soak -- --quick        small and short (about 1.5 minutes)
//   bun run soak -- --only churn
//   bun run soak -- --only overload --capacity 15000   (events/s; skips trusting the measurement)
//   bun run soak -- --no-docs      print only (otherwise the soak table in docs/benchmarks.md is updated)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BUN, ROOT, memOf, nofileLimits } from './lib/proc.ts'
import { startCchub, withTarget, type Target } from './lib/targets.ts'
import type { Child } from './lib/proc.ts'
import { load1 } from './lib/bench.ts'

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const onlyArg = argv.indexOf('--only')
const only = onlyArg >= 0 ? argv[onlyArg + 1]!.split(',') : ['storm', 'overload', 'churn', 'fuzz']
const size = <T>(q: T, full: T): T => (quick ? q : full)
const nofile = Math.min(nofileLimits().hard, 20_000)

const SOAK_BEGIN = '<!-- soak:results:begin -->'
const SOAK_END = '<!-- soak:results:end -->'
const out = (r: Record<string, unknown>) =>
  process.stdout.write(JSON.stringify({ ...r, at: new Date().toISOString(), load1: load1() }) + '\n')
const log = (m: string) => process.stderr.write(`[soak] ${m}\n`)

function withServer<T>(flags: string[], fn: (t: Target, w: Child) => Promise<T>): Promise<T> {
  return withTarget(() => startCchub({ flags, nofile, name: 'cchub-soak' }), fn, nofile)
}

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await cond()) return true
    await Bun.sleep(200)
  }
  return false
}

const alive = async (t: Target) =>
  t.child.exitCode === null &&
  (await fetch(`${t.url}/health`).then(
    (r) => r.status === 200,
    () => false,
  ))

// ---- storm
// -----------------------------------------------------------------------------------------------------------

async function storm() {
  const clients = size(200, 1000)
  const events = size(2000, 10_000)
  return withServer([], async (t, w) => {
    const ch = `session:${(await t.child.request('setup', { sessions: 1 })).session_ids[0]}`
    const c = await w.request(
      'connect',
      {
        port: t.port,
        count: clients,
        concurrency: 100,
        resume: true,
        identities: [{ path: t.wsPath, channels: [ch] }],
      },
      120_000,
    )
    if (c.connected !== clients) throw new Error(`storm: ${c.connected}/${clients} connected: ${c.errors}`)
    await w.request('arm', { expect: clients * events })
    await t.child.request('startStream', { name: 'storm', channel: ch, count: events, everyMs: 2, perTick: 1 })
    let churned = 0
    let rounds = 0
    const deadline = Date.now() + 120_000
    // (the child's event list is trimmed past 10,000 entries: look at the highest acknowledged seq, not the count)
    const acked = () => t.child.events.reduce((m, e) => (e.stream === 'storm' ? Math.max(m, e.acked as number) : m), 0)
    while (Date.now() < deadline && acked() < events) {
      churned += (await w.request('churn', { fraction: 0.05, offlineMs: 300, concurrency: 100 }, 120_000)).churned
      rounds++
    }
    await t.child.request('stopStream', { name: 'storm' })
    const head = (await t.child.request('emit', { channel: ch, type: 'bench' })).seq - 1
    const caughtUp = await until(
      async () => (await w.request('clients', { minLast: true })).min_last_fast >= head,
      120_000,
    )
    const got = await w.request('wait', { timeoutMs: 1000, stallMs: 1000 })
    // the extra event emitted to read the head arrives too
    const exact = got.dups === 0 && got.gaps === 0 && caughtUp && got.received >= clients * events
    const r = {
      soak: 'storm',
      clients,
      events,
      churn_rounds: rounds,
      drops: churned,
      caught_up: caughtUp,
      received: got.received,
      expected_at_least: clients * events,
      gaps: got.gaps,
      dups: got.dups,
      server_alive: await alive(t),
      pass: exact && (await alive(t)),
    }
    out(r)
    return r
  })
}

// ---- overload
// --------------------------------------------------------------------------------------------------------

async function overload() {
  const fast = size(50, 200)
  const slow = size(5, 20)
  const seconds = size(10, 60)
  const limit = 256 * 1024
  return withServer(['--ws-backpressure-limit', String(limit)], async (t, w) => {
    const ids = (await t.child.request('setup', { sessions: 1 })).session_ids as string[]
    const ch = `session:${ids[0]}`
    const ident = [{ path: t.wsPath, channels: [ch] }]
    await w.request(
      'connect',
      { port: t.port, count: fast, concurrency: 100, resume: true, autoReconnect: true, identities: ident },
      120_000,
    )

    // capacity: events/s the server fans out to the fast clients, paced only by their reading (after a warm-up)
    await t.child.request('publish', { channels: [ch], count: 500, bytes: 64, rate: 0 })
    await Bun.sleep(500)
    const n = size(3000, 10_000)
    await w.request('arm', { expect: fast * n })
    const waiting = w.request('wait', { timeoutMs: 120_000 }, 130_000)
    await t.child.request('publish', { channels: [ch], count: n, bytes: 64, rate: 0 }, 120_000)
    const cap = await waiting
    const capArg = argv.indexOf('--capacity')
    const capacity = capArg >= 0 ? Number(argv[capArg + 1]) : Math.round(cap.per_s / fast)
    log(`capacity ≈ ${capacity} events/s to ${fast} subscribers (${Math.round(cap.per_s)} deliveries/s)`)

    // steady state at half of it
    const sample = (into: number[]) => {
      const iv = setInterval(() => into.push(memOf(t.pid)?.rssKb ?? 0), 250)
      return () => clearInterval(iv)
    }
    const steadySamples: number[] = []
    let stop = sample(steadySamples)
    await t.child.request(
      'publish',
      { channels: [ch], count: Math.round((capacity / 2) * size(5, 10)), bytes: 64, rate: Math.round(capacity / 2) },
      120_000,
    )
    stop()
    const steady = steadySamples.slice(Math.floor(steadySamples.length / 2)).sort((a, b) => a - b)[
      Math.floor(steadySamples.length / 4)
    ]!

    // overload: slow clients join, then 2x capacity for `seconds`
    await w.request(
      'connect',
      { port: t.port, count: slow, concurrency: slow, resume: true, slow: true, identities: ident },
      60_000,
    )
    const overloadSamples: number[] = []
    stop = sample(overloadSamples)
    // offered load: a starved publisher skips its backlog rather than dumping it in one burst (maxBurstMs)
    const pub = await t.child.request(
      'publish',
      { channels: [ch], count: capacity * 2 * seconds, bytes: 64, rate: capacity * 2, maxBurstMs: 20 },
      (seconds + 120) * 1000,
    )
    stop()
    const head = (await t.child.request('emit', { channel: ch, type: 'bench' })).seq - 1
    const caughtUp = await until(
      async () => (await w.request('clients', { minLast: true })).min_last_fast >= head,
      180_000,
    )
    const cl = await w.request('clients', {})
    // a paused client never reads the server's FIN, so ask the server who is still connected
    const st = (await (
      await fetch(`${t.url}/api/v1/ws/stats`, { headers: { authorization: `Bearer ${t.token}` } })
    ).json()) as { connections: { total: number }; drops: { backpressure_closes: number } }
    const slowClosed = st.connections.total === cl.fast_open && st.drops.backpressure_closes >= slow
    const peak = Math.max(...overloadSamples)
    const ok = (await alive(t)) && caughtUp && cl.gaps === 0 && cl.dups === 0 && slowClosed && peak <= 2 * steady
    const r = {
      soak: 'overload',
      fast_clients: fast,
      slow_clients: slow,
      seconds,
      capacity_events_per_s: capacity,
      overload_rate: capacity * 2,
      achieved_rate: Math.round(pub.published / (pub.publish_ms / 1000)),
      skipped: pub.skipped,
      steady_rss_mb: Math.round(steady / 1024),
      peak_rss_mb: Math.round(peak / 1024),
      rss_ratio: Math.round((peak / steady) * 100) / 100,
      server_connections: st.connections.total,
      fast_open: cl.fast_open,
      backpressure_closes: st.drops.backpressure_closes,
      slow_closed: slowClosed,
      fast_reconnects: cl.reconnects,
      close_codes: cl.close_codes,
      fast_caught_up: caughtUp,
      gaps: cl.gaps,
      dups: cl.dups,
      gap_log: cl.gap_log,
      server_alive: await alive(t),
      pass: ok,
    }
    out(r)
    return r
  })
}

// ---- churn
// -----------------------------------------------------------------------------------------------------------

async function churn() {
  const n = size(200, 1000)
  const channelsN = size(20, 100)
  const minutes = size(0.5, 5)
  const everyS = size(3, 6)
  const fraction = 0.2 * (everyS / 60)
  return withServer([], async (t, w) => {
    const ids = (await t.child.request('setup', { sessions: channelsN })).session_ids as string[]
    const channels = ids.map((id) => `session:${id}`)
    const c = await w.request(
      'connect',
      {
        port: t.port,
        count: n,
        concurrency: 100,
        resume: true,
        autoReconnect: true,
        identities: channels.map((ch) => ({ path: t.wsPath, channels: [ch] })),
      },
      120_000,
    )
    if (c.connected !== n) throw new Error(`churn: ${c.connected}/${n} connected: ${c.errors}`)
    await w.request('arm', {})
    // events keep flowing the whole time (100/s) on 10 of the channels, so resumes are exercised; those channels'
    // replay
    // rings (up to 1,024 frames each, cut back to 512 when full) are filled first, so their filling is not taken for
    // drift
    const hot = channels.slice(0, Math.min(10, channels.length))
    await t.child.request('publish', { channels: hot, count: hot.length * 1100, bytes: 64, rate: 0 }, 120_000)
    const rate = 100
    const total = Math.round(rate * (minutes * 60 + 20))
    const publishing = t.child.request(
      'publish',
      { channels: hot, count: total, bytes: 64, rate },
      (minutes * 60 + 120) * 1000,
    )
    const rssAt = async () => {
      await t.child.request('gc')
      await Bun.sleep(200)
      await t.child.request('gc')
      return memOf(t.pid)!.rssKb
    }
    const heapObjects = async () => (await t.child.request('heap')).objectCount as number
    const rssBefore = await rssAt()
    // warm-up: every connection replaced once (the allocator's high-water mark for a full turnover), then the baseline
    await w.request('churn', { fraction: 1, offlineMs: 500, concurrency: 100 }, 300_000)
    await Bun.sleep(size(2000, 10_000))
    const rss0 = await rssAt()
    const objects0 = await heapObjects()
    const end = Date.now() + minutes * 60_000
    let cycles = 0
    let churned = 0
    const samples: number[] = []
    while (Date.now() < end) {
      const t0 = Date.now()
      churned += (await w.request('churn', { fraction, offlineMs: 500 }, 60_000)).churned
      cycles++
      samples.push(memOf(t.pid)?.rssKb ?? 0)
      await Bun.sleep(Math.max(0, everyS * 1000 - (Date.now() - t0)))
    }
    await Bun.sleep(2000)
    const rss1 = await rssAt()
    const objects1 = await heapObjects()
    // subscription counts: the server's view against what the clients hold
    const st = (await (
      await fetch(`${t.url}/api/v1/ws/stats`, { headers: { authorization: `Bearer ${t.token}` } })
    ).json()) as { connections: { total: number }; subscriptions: Record<string, number> }
    const cl = await w.request('clients', { perChannel: true })
    const mismatched = channels.filter((ch) => (st.subscriptions[ch] ?? 0) !== (cl.per_channel[ch] ?? 0))
    const exact = mismatched.length === 0 && st.connections.total === cl.open
    await publishing.catch(() => {})
    const drift = (rss1 - rss0) / rss0
    const ok = (await alive(t)) && exact && drift < 0.05 && cl.gaps === 0 && cl.dups === 0
    const r = {
      soak: 'churn',
      connections: n,
      channels: channelsN,
      minutes,
      cycles,
      reconnected: churned,
      per_minute_fraction: Math.round((churned / n / minutes) * 100) / 100,
      rss_before_churn_mb: Math.round(rssBefore / 1024),
      rss_start_mb: Math.round(rss0 / 1024),
      rss_end_mb: Math.round(rss1 / 1024),
      drift_pct: Math.round(drift * 1000) / 10,
      drift_from_before_churn_pct: Math.round(((rss1 - rssBefore) / rssBefore) * 1000) / 10,
      js_objects_start: objects0,
      js_objects_end: objects1,
      js_objects_drift_pct: Math.round(((objects1 - objects0) / objects0) * 1000) / 10,
      rss_min_mb: Math.round(Math.min(...samples) / 1024),
      rss_max_mb: Math.round(Math.max(...samples) / 1024),
      server_connections: st.connections.total,
      client_open: cl.open,
      channels_mismatched: mismatched.length,
      subscriptions_exact: exact,
      gaps: cl.gaps,
      dups: cl.dups,
      server_alive: await alive(t),
      pass: ok,
    }
    out(r)
    return r
  })
}

// ---- fuzz
// ------------------------------------------------------------------------------------------------------------

async function fuzz() {
  const count = size(2000, 10_000)
  const proc = Bun.spawn([BUN, 'test', 'test/reliability/bad-input.test.ts', '--timeout', '1800000'], {
    cwd: ROOT,
    env: { ...process.env, FUZZ_COUNT: String(count) },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  const code = await proc.exited
  const text = stdout + stderr
  const answers = /http answers (\{.*\})/.exec(text)?.[1]
  const passed = Number(/(\d+) pass/.exec(text)?.[1] ?? 0)
  const failedTests = Number(/(\d+) fail/.exec(text)?.[1] ?? 0)
  if (code !== 0)
    log(
      text
        .split('\n')
        .filter((l) => /fail|error/i.test(l))
        .slice(0, 20)
        .join('\n'),
    )
  const r = {
    soak: 'fuzz',
    ws_frames: count,
    http_bodies: count,
    tests_passed: passed,
    tests_failed: failedTests,
    http_answers: answers ? JSON.parse(answers) : null,
    pass: code === 0 && passed === 2,
  }
  out(r)
  return r
}

const runs: Record<string, () => Promise<Record<string, unknown> & { pass: boolean }>> = {
  storm,
  overload,
  churn,
  fuzz,
}
let failed = 0
const results: Record<string, Record<string, unknown>> = {}
for (const name of only) {
  const fn = runs[name]
  if (!fn) throw new Error(`unknown soak ${name}`)
  log(`${name}${quick ? ' (quick)' : ''}…`)
  const t0 = Date.now()
  const l0 = load1()
  try {
    const r = await fn()
    results[name] = {
      ...r,
      load_start: l0,
      load_end: load1(),
      elapsed_s: Math.round((Date.now() - t0) / 1000),
      date: new Date().toISOString(),
    }
    if (!r.pass) failed++
  } catch (err) {
    failed++
    const r = { soak: name, error: err instanceof Error ? err.message : String(err), pass: false }
    results[name] = r
    out(r)
  }
  log(`${name} done in ${Math.round((Date.now() - t0) / 1000)} s`)
}
if (!quick && !argv.includes('--no-docs')) writeDoc(results)
process.exit(failed ? 1 : 0)

/** Replaces the soak block of docs/benchmarks.md (per scenario, keeping the ones not run this time). */
function writeDoc(fresh: Record<string, Record<string, unknown>>): void {
  const latest = join(ROOT, 'bench', 'results', 'soak-latest.json')
  const saved: Record<string, Record<string, unknown>> = existsSync(latest)
    ? JSON.parse(readFileSync(latest, 'utf8'))
    : {}
  for (const [k, v] of Object.entries(fresh)) saved[k] = { date: new Date().toISOString(), ...v }
  mkdirSync(dirname(latest), { recursive: true })
  writeFileSync(latest, JSON.stringify(saved, null, 2) + '\n')
  const show = (r: Record<string, unknown>, keys: string[]) =>
    keys
      .filter((k) => r[k] !== undefined)
      .map((k) => `${k} ${JSON.stringify(r[k])}`)
      .join(', ')
  const KEYS: Record<string, string[]> = {
    storm: ['clients', 'events', 'drops', 'received', 'gaps', 'dups', 'caught_up', 'server_alive'],
    overload: [
      'fast_clients',
      'slow_clients',
      'seconds',
      'capacity_events_per_s',
      'overload_rate',
      'achieved_rate',
      'steady_rss_mb',
      'peak_rss_mb',
      'rss_ratio',
      'backpressure_closes',
      'slow_closed',
      'fast_reconnects',
      'gaps',
      'dups',
      'fast_caught_up',
      'server_alive',
    ],
    fuzz: ['ws_frames', 'http_bodies', 'tests_passed', 'tests_failed', 'http_answers'],
    churn: [
      'connections',
      'channels',
      'minutes',
      'reconnected',
      'per_minute_fraction',
      'rss_before_churn_mb',
      'rss_start_mb',
      'rss_end_mb',
      'drift_pct',
      'drift_from_before_churn_pct',
      'js_objects_drift_pct',
      'subscriptions_exact',
      'gaps',
      'dups',
      'server_alive',
    ],
  }
  const lines = [SOAK_BEGIN, '| Scenario | Result | Measured | Run (load) |', '| --- | --- | --- | --- |']
  for (const k of ['storm', 'overload', 'churn', 'fuzz']) {
    const r = saved[k]
    if (!r) continue
    const verdict = r.error ? `**failed**: ${String(r.error)}` : r.pass ? '**pass**' : '**fail**'
    lines.push(
      `| ${k} | ${verdict} | ${show(r, KEYS[k]!)} | ${String(r.date).slice(0, 16).replace('T', ' ')} (${r.load_start} → ${r.load_end}) |`,
    )
  }
  lines.push(SOAK_END)
  const doc = join(ROOT, 'docs', 'benchmarks.md')
  let text = existsSync(doc) ? readFileSync(doc, 'utf8') : `# Benchmarks\n`
  if (!text.includes(SOAK_BEGIN) || !text.includes(SOAK_END)) text += `\n${SOAK_BEGIN}\n${SOAK_END}\n`
  text =
    text.slice(0, text.indexOf(SOAK_BEGIN)) + lines.join('\n') + text.slice(text.indexOf(SOAK_END) + SOAK_END.length)
  writeFileSync(doc, text)
  log(`updated ${doc}`)
}
