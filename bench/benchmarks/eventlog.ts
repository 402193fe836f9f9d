// 5. Event log: events/s persisted through ChannelLog while a reader replays a channel from seq 0 over WebSocket.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Ctx, Row } from '../lib/bench.ts'
import { fmt, ratio } from '../lib/bench.ts'
import { BUN, Child, cpuOf } from '../lib/proc.ts'
import { startCchub, withTarget } from '../lib/targets.ts'

// ChannelLog: seq assignment, batched transactions, ring, bus; the reader replays again and again. Peer: raw bun:sqlite
// inserts into the same table, one transaction per batch of the same mean size, with a reader process paging it.

/** The reader replays the whole channel from seq 0, then pauses this long, then again (a late joiner every 100 ms). */
const READER_PAUSE_MS = 100

export async function eventlog(ctx: Ctx): Promise<Row[]> {
  const count = ctx.size(20_000, 200_000, 500_000)
  const channelsN = 8
  const bytes = 64
  const yieldEvery = 256

  const cchub = await withTarget(
    () => startCchub({ profileDir: ctx.profileDir ? `${ctx.profileDir}/eventlog` : undefined }),
    async (t, w) => {
      const ids = (await t.child.request('setup', { sessions: channelsN })).session_ids as string[]
      const channels = ids.map((id) => `session:${id}`)
      const spec = { channels, bytes, rate: 0, yieldEvery, window: 4096, maxBuffered: 1e15 }
      // warm-up, and something to replay from the start
      await t.child.request('publish', { ...spec, count: Math.min(20_000, count / 10) })
      const alone = await t.child.request('publish', { ...spec, count }, 600_000)
      await w.request('replayStart', { port: t.port, path: t.wsPath, channel: channels[0], pauseMs: READER_PAUSE_MS })
      const cpu0 = cpuOf(t.pid)
      const pub = await t.child.request('publish', { ...spec, count }, 600_000)
      const cpu = cpuOf(t.pid) - cpu0
      const rd = await w.request('replayStop', {}, 120_000)
      const r = {
        bench: 'eventlog',
        target: 'cchub',
        events: count,
        channels: channelsN,
        persisted_per_s_alone: Math.round(count / (alone.ack_ms / 1000)),
        persisted_per_s: Math.round(count / (pub.ack_ms / 1000)),
        mean_batch: Math.round(pub.mean_batch),
        batches: pub.batches,
        ack_ms: Math.round(pub.ack_ms),
        server_cpu_s: cpu,
        reader: {
          replays: rd.iterations,
          replayed_events: rd.replayed,
          replayed_per_s: Math.round(rd.per_s),
          errors: rd.errors,
        },
      }
      ctx.out(r)
      return r
    },
  )

  const dir = mkdtempSync(join(tmpdir(), 'cchub-bench-sqlite-'))
  const writer = new Child([BUN, 'bench/peers/sqlite-raw.ts'], { name: 'sqlite-writer' })
  const reader = new Child([BUN, 'bench/peers/sqlite-raw.ts'], { name: 'sqlite-reader' })
  let peer
  try {
    await Promise.all([writer.ready, reader.ready])
    const db = join(dir, 'events.db')
    const channels = Array.from({ length: channelsN }, (_, i) => `session:${i}`)
    await writer.request('write', { db, count: Math.min(20_000, count / 10), batch: cchub.mean_batch, channels, bytes })
    const alone = await writer.request('write', { db, count, batch: cchub.mean_batch, channels, bytes }, 600_000)
    await reader.request('readStart', { db, channel: channels[0], pauseMs: READER_PAUSE_MS })
    const wr = await writer.request('write', { db, count, batch: cchub.mean_batch, channels, bytes }, 600_000)
    const rd = await reader.request('readStop', {}, 60_000)
    peer = {
      bench: 'eventlog',
      target: 'sqlite',
      events: count,
      batch: cchub.mean_batch,
      persisted_per_s_alone: Math.round(alone.per_s),
      persisted_per_s: Math.round(wr.per_s),
      ms: Math.round(wr.ms),
      reader: { passes: rd.passes, rows: rd.rows, rows_per_s: Math.round(rd.per_s) },
    }
    ctx.out(peer)
  } finally {
    await writer.stop(3000)
    await reader.stop(3000)
    rmSync(dir, { recursive: true, force: true })
  }
  const ra = ratio(cchub.persisted_per_s_alone, peer.persisted_per_s_alone)
  const rs = ratio(cchub.persisted_per_s, peer.persisted_per_s)
  ctx.out({
    bench: 'eventlog',
    summary: true,
    ratio_vs_raw_sqlite_alone: ra,
    ratio_vs_raw_sqlite_with_reader: rs,
    target: '(context: cost of the log over raw inserts)',
    met: null,
  })
  const title = `5. Event log (${fmt(count)} events, ${channelsN} channels)`
  return [
    {
      bench: title,
      metric: 'events persisted/s, writer alone',
      cchub: fmt(cchub.persisted_per_s_alone),
      bun: `${fmt(peer.persisted_per_s_alone)} (raw SQLite)`,
      ratio_bun: ra,
      target: '(context)',
      met: null,
      note: `mean batch ${cchub.mean_batch} events per transaction in both`,
    },
    {
      bench: title,
      metric: 'events persisted/s, a reader replaying from 0 every 100 ms',
      cchub: fmt(cchub.persisted_per_s),
      bun: `${fmt(peer.persisted_per_s)} (raw SQLite)`,
      ratio_bun: rs,
      target: '(context)',
      met: null,
      note:
        `cchub's reader replayed ${fmt(cchub.reader.replayed_per_s)} events/s over WebSocket, served by the same server process (one core); ` +
        `the raw reader paged ${fmt(peer.reader.rows_per_s)} rows/s in a process of its own (the other core)`,
    },
  ]
}
