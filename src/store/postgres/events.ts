// The append-only event log on PostgreSQL: per-channel gap-free seqs that hold with several nodes appending at once.
import type { EventRecord } from '../records.ts'
import { StoreConflict, type EventRepo } from '../store.ts'
import type { Pg } from './db.ts'

const CHUNK = 10_000

/** The batch's seqs per channel, checked to be consecutive; channels sorted so concurrent batches lock in one order. */
function runs(events: EventRecord[]): { channel: string; first: number; last: number }[] {
  const byChannel = new Map<string, { first: number; last: number }>()
  for (const e of events) {
    const run = byChannel.get(e.channel)
    if (run && e.seq !== run.last + 1)
      throw new StoreConflict(`channel ${e.channel}: expected seq ${run.last + 1}, got ${e.seq}`)
    if (run) run.last = e.seq
    else byChannel.set(e.channel, { first: e.seq, last: e.seq })
  }
  return [...byChannel].sort(([a], [b]) => (a < b ? -1 : 1)).map(([channel, r]) => ({ channel, ...r }))
}

export class PgEvents implements EventRepo {
  constructor(private readonly db: Pg) {}

  /**
   * Moves each channel's head from first - 1 to last with one conditional statement per channel: it takes the head
   * row's lock, so a concurrent batch waits, then finds the head moved and changes nothing (→ StoreConflict, rollback).
   */
  async appendEvents(events: EventRecord[]) {
    if (!events.length) return
    const heads = runs(events)
    await this.db.tx(async (tx) => {
      for (const { channel, first, last } of heads) {
        const moved =
          first === 1
            ? await tx`INSERT INTO channel_heads (name, head) VALUES (${channel}, ${last}) ON CONFLICT (name) DO NOTHING RETURNING head`
            : await tx`UPDATE channel_heads SET head = ${last} WHERE name = ${channel} AND head = ${first - 1} RETURNING head`
        if (!moved.length) throw new StoreConflict(`channel ${channel}: seq ${first} does not continue its head`)
      }
      const rows = events.map(({ channel, seq, type, data, ts }) => ({ channel, seq, type, data, ts }))
      // 5 parameters a row: chunks stay under PostgreSQL's 65,535 parameters per statement
      for (let i = 0; i < rows.length; i += CHUNK) await tx`INSERT INTO events ${tx(rows.slice(i, i + CHUNK))}`
    })
  }
  async channelHead(channel: string) {
    const row = await this.db.one<{ head: number }>(this.db.sql`SELECT head FROM channel_heads WHERE name = ${channel}`)
    return row?.head ?? 0
  }
  async oldestSeq(channel: string) {
    const row = await this.db.one<{ seq: number | null }>(
      this.db.sql`SELECT MIN(seq) AS seq FROM events WHERE channel = ${channel}`,
    )
    return row?.seq ?? null
  }
  async readAfter(channel: string, after: number, limit: number) {
    return this.db.all<EventRecord>(
      this.db.sql`SELECT * FROM events WHERE channel = ${channel} AND seq > ${after} ORDER BY seq LIMIT ${limit}`,
    )
  }
  async readBefore(channel: string, before: number, limit: number) {
    return this.db.all<EventRecord>(
      this.db.sql`SELECT * FROM events WHERE channel = ${channel} AND seq < ${before} ORDER BY seq DESC LIMIT ${limit}`,
    )
  }
  async prune(olderThan: number) {
    return this.db.run(this.db.sql`DELETE FROM events WHERE ts < ${olderThan}`)
  }
}
