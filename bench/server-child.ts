#!/usr/bin/env bun
// cchub as a separate server process for benchmarks and reliability tests, with a JSON-line control channel.
import { loadConfig } from '../src/config/load.ts'
import { createLogger } from '../src/core/logger.ts'
import { guardStoreOutages } from '../src/core/outage-guard.ts'
import { startServer } from '../src/server.ts'
import { statsOf } from '../src/modules/realtime/metrics.ts'
import type { SessionRecord } from '../src/store/records.ts'
import { now, send, serveControl } from './lib/control.ts'
import { publish, type PublishSpec } from './lib/publisher.ts'
import { summarize } from './lib/stats.ts'

// The real startServer() with the same flags as `cchub` (src/main.ts), plus the control channel on stdin/stdout so the
// harness can publish durable events through the real path (services.log.emit → seq → event log → bus → gateway →
// server.publish) without any new HTTP route: nothing here is reachable over the network. stdin closing stops the
// server cleanly and exits.

const parsed = loadConfig(process.argv.slice(2), process.env)
if (parsed.action !== 'run') throw new Error('server-child: --help/--version are not supported here')
const config = parsed.config
const logger = createLogger(config.logLevel)
guardStoreOutages(logger)
const running = await startServer(config, logger)
const { services } = running

/** BENCH_TRACE=1: time every event-log append and the event loop's lag, for explaining latency tails (op `trace`). */
const trace = { appends: [] as number[], lag: [] as number[] }
if (process.env.BENCH_TRACE === '1') {
  const events = services.store.events
  const append = events.appendEvents.bind(events)
  events.appendEvents = async (batch) => {
    const t0 = performance.now()
    try {
      return await append(batch)
    } finally {
      trace.appends.push(performance.now() - t0)
    }
  }
  let last = performance.now()
  setInterval(() => {
    const t = performance.now()
    trace.lag.push(t - last - 1)
    last = t
  }, 1)
}

const maxBuffered = () => {
  let max = 0
  for (const c of services.gateway.connections.values()) {
    const b = c.ws.getBufferedAmount()
    if (b > max) max = b
  }
  return max
}

/** Background emitters (reliability: publish while the server gets killed), by name. */
const streams = new Map<string, { stop: boolean; done: Promise<void> }>()

serveControl(
  {
    /** Admin id, a workspace and `sessions` session rows owned by the admin (no CLI involved). */
    async setup(req) {
      const admin = await services.store.users.byUsername(config.adminUsername)
      if (!admin) throw new Error('no admin user')
      const ws = await services.workspaces.create(admin, { name: `bench-${Date.now()}` })
      const sessionIds: string[] = []
      for (let i = 0; i < Number(req.sessions ?? 1); i++) {
        const t = Date.now()
        const session: SessionRecord = {
          id: Bun.randomUUIDv7(),
          workspace_id: ws.id,
          owner_id: admin.id,
          title: `bench ${i}`,
          cli_session_id: null,
          status: 'active',
          model: null,
          total_cost_usd: 0,
          usage: {},
          created_at: t,
          updated_at: t,
          closed_at: null,
        }
        await services.store.sessions.create(session)
        sessionIds.push(session.id)
      }
      return { admin_id: admin.id, workspace_id: ws.id, session_ids: sessionIds }
    },
    /** Publishes through services.log.emit (durable channels: resolves once stored). */
    async publish(req) {
      const spec = req as unknown as PublishSpec
      const before = { ...services.log.stats }
      const r = await publish(spec, { emit: (ch, type, data) => services.log.emit(ch, type, data), maxBuffered })
      const after = services.log.stats
      const batches = after.batches - before.batches
      return { ...r, batches, mean_batch: batches ? (after.appended - before.appended) / batches : 0 }
    },
    /**
     * Starts emitting `count` events on `channel`, `perTick` every `everyMs`, and prints `{acked: seq, stream}` for
     * each
     * emit that resolved (the acknowledgement a client of cchub would get). Replies at once.
     */
    startStream(req) {
      const name = String(req.name ?? 'default')
      const state = { stop: false, done: Promise.resolve() }
      state.done = (async () => {
        const count = Number(req.count ?? 1e9)
        const perTick = Number(req.perTick ?? 1)
        for (let i = 0; i < count && !state.stop; ) {
          for (let k = 0; k < perTick && i < count; k++, i++) {
            void services.log.emit(String(req.channel), 'bench', { i, t: now() }).then(
              (seq) => send({ acked: seq, stream: name }),
              () => {},
            )
          }
          await Bun.sleep(Number(req.everyMs ?? 1))
        }
      })()
      streams.set(name, state)
      return { started: name }
    },
    async stopStream(req) {
      const s = streams.get(String(req.name ?? 'default'))
      if (s) {
        s.stop = true
        await s.done
      }
      await services.log.drain()
      return { stopped: true }
    },
    /** Emits one event and answers with its seq once stored. */
    async emit(req) {
      return {
        seq: await services.log.emit(String(req.channel), String(req.type ?? 'bench'), req.data ?? { t: now() }),
      }
    },
    trace() {
      const out = {
        appends: summarize(trace.appends),
        loop_lag: summarize(trace.lag),
        appends_over_5ms: trace.appends.filter((v) => v > 5).length,
        lag_over_5ms: trace.lag.filter((v) => v > 5).length,
      }
      trace.appends = []
      trace.lag = []
      return out
    },
    stats() {
      return {
        ws: statsOf(services.realtime.metrics),
        log: services.log.stats,
        processes: services.engine.processCount,
        mem: process.memoryUsage(),
      }
    },
    gc() {
      Bun.gc(true)
      return { mem: process.memoryUsage() }
    },
    /** JavaScriptCore heap statistics (object counts by type), to see what each connection keeps alive. */
    async heap() {
      Bun.gc(true)
      const { heapStats } = await import('bun:jsc')
      return heapStats() as unknown as Record<string, unknown>
    },
  },
  async () => {
    for (const s of streams.values()) s.stop = true
    await running.stop()
  },
)

send({ ready: true, url: running.url, port: running.port, pid: process.pid, data_dir: config.dataDir })
