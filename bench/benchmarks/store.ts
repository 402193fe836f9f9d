// 8. Store append throughput: batched event appends through the PostgreSQL Store against the SQLite Store (ratio).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPostgresStore } from '../../src/store/postgres/pg-store.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import type { Store } from '../../src/store/store.ts'
import { freshDatabase, requirePostgres } from '../../test/support/postgres.ts'
import type { Ctx, Row } from '../lib/bench.ts'
import { fmt, ratio } from '../lib/bench.ts'

// Both stores in this process, as a node uses them: one writer per channel, each awaiting its batch before the next
// (ChannelLog's way), so PostgreSQL's pool works on several channels at once while SQLite commits one at a time.

const CHANNELS = 8
const DATA = JSON.stringify({ text: 'x'.repeat(48) })

/** Appends `count` events in batches of `batch` over CHANNELS channels; events per second. */
async function appendRate(store: Store, count: number, batch: number, prefix: string): Promise<number> {
  const perChannel = Math.ceil(count / CHANNELS / batch)
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CHANNELS }, async (_, c) => {
      const channel = `${prefix}:${c}`
      for (let b = 0, seq = 0; b < perChannel; b++) {
        const events = Array.from({ length: batch }, () => ({
          channel,
          seq: ++seq,
          type: 'e',
          data: DATA,
          ts: Date.now(),
        }))
        await store.events.appendEvents(events)
      }
    }),
  )
  return (perChannel * batch * CHANNELS) / ((performance.now() - t0) / 1000)
}

async function measure(store: Store, count: number, batches: number[]): Promise<Record<number, number>> {
  await appendRate(store, Math.min(count, 2000), 16, 'warm')
  const out: Record<number, number> = {}
  for (const batch of batches)
    out[batch] = Math.round(await appendRate(store, count / (batch === 1 ? 10 : 1), batch, `b${batch}`))
  return out
}

export async function store(ctx: Ctx): Promise<Row[]> {
  // never a CI failure here: without PostgreSQL the benchmark says so and has no rows
  if (!(await requirePostgres('store benchmark', undefined, {}))) {
    ctx.out({ bench: 'store', skipped: 'PostgreSQL does not answer (CCHUB_TEST_POSTGRES_URL)' })
    return []
  }
  const count = ctx.size(8_000, 80_000, 400_000)
  const batches = [1, 32]
  const dir = mkdtempSync(join(tmpdir(), 'cchub-bench-store-'))
  const db = await freshDatabase()
  let sqlite: Record<number, number>
  let pg: Record<number, number>
  try {
    const s = openSqliteStore(join(dir, 'cchub.db'))
    sqlite = await measure(s, count, batches).finally(() => s.close())
    const p = await openPostgresStore(db.url, { pool: 10 })
    pg = await measure(p, count, batches).finally(() => p.close())
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await db.drop()
  }
  const rows: Row[] = []
  for (const batch of batches) {
    const r = ratio(pg[batch]!, sqlite[batch]!)
    ctx.out({
      bench: 'store',
      batch,
      channels: CHANNELS,
      postgres_per_s: pg[batch],
      sqlite_per_s: sqlite[batch],
      ratio_pg_vs_sqlite: r,
    })
    rows.push({
      bench: `8. Store appends (${fmt(batch === 1 ? count / 10 : count)} events, ${CHANNELS} channels)`,
      metric: `events appended/s, batches of ${batch}`,
      cchub: `${fmt(pg[batch]!)} (PostgreSQL)`,
      bun: `${fmt(sqlite[batch]!)} (SQLite store)`,
      ratio_bun: r,
      target: '(context)',
      met: null,
      note: 'both Stores in one process, one writer per channel awaiting each batch; PostgreSQL on loopback, pool of 10',
    })
  }
  return rows
}
