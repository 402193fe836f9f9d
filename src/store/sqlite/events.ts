// The append-only event log: per-channel gap-free sequence numbers, batched atomic appends.
import type { Database } from 'bun:sqlite'
import type { EventRecord } from '../records.ts'
import { StoreConflict, type EventRepo } from '../store.ts'

export class SqliteEvents implements EventRepo {
  private readonly q
  private readonly appendTx: { immediate: (events: EventRecord[]) => void }
  constructor(db: Database) {
    this.q = {
      head: db.query<{ head: number }, { name: string }>('SELECT head FROM channels WHERE name = $name'),
      setHead: db.query(
        'INSERT INTO channels (name, head) VALUES ($name, $head) ON CONFLICT (name) DO UPDATE SET head = excluded.head',
      ),
      insert: db.query('INSERT INTO events (channel, seq, type, data, ts) VALUES ($channel, $seq, $type, $data, $ts)'),
      oldest: db.query<{ seq: number | null }, { channel: string }>(
        'SELECT MIN(seq) AS seq FROM events WHERE channel = $channel',
      ),
      after: db.query<EventRecord, { channel: string; after: number; limit: number }>(
        'SELECT * FROM events WHERE channel = $channel AND seq > $after ORDER BY seq LIMIT $limit',
      ),
      before: db.query<EventRecord, { channel: string; before: number; limit: number }>(
        'SELECT * FROM events WHERE channel = $channel AND seq < $before ORDER BY seq DESC LIMIT $limit',
      ),
      prune: db.query('DELETE FROM events WHERE ts < $ts'),
    }
    this.appendTx = db.transaction((events: EventRecord[]) => {
      const heads = new Map<string, number>()
      for (const e of events) {
        const head = heads.get(e.channel) ?? this.q.head.get({ name: e.channel })?.head ?? 0
        if (e.seq !== head + 1) throw new StoreConflict(`channel ${e.channel}: expected seq ${head + 1}, got ${e.seq}`)
        this.q.insert.run({ ...e })
        heads.set(e.channel, e.seq)
      }
      for (const [name, head] of heads) this.q.setHead.run({ name, head })
    })
  }

  async appendEvents(events: EventRecord[]) {
    // IMMEDIATE takes the write lock before the head is read: another process appending to the same file waits
    // (busy_timeout) and then sees the new head, so the check holds across processes too
    if (events.length) this.appendTx.immediate(events)
  }
  async channelHead(channel: string) {
    return this.q.head.get({ name: channel })?.head ?? 0
  }
  async oldestSeq(channel: string) {
    return this.q.oldest.get({ channel })?.seq ?? null
  }
  async readAfter(channel: string, after: number, limit: number) {
    return this.q.after.all({ channel, after, limit })
  }
  async readBefore(channel: string, before: number, limit: number) {
    return this.q.before.all({ channel, before, limit })
  }
  async prune(olderThan: number) {
    return this.q.prune.run({ ts: olderThan }).changes
  }
}
