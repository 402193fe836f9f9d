#!/usr/bin/env bun
// Peer for the event log: raw bun:sqlite with cchub's file settings and events table, one transaction per batch.
import { Database } from 'bun:sqlite'
import { now, send, serveControl } from '../lib/control.ts'

// File settings: WAL, synchronous=NORMAL. A second instance of this script reads pages concurrently.
// Control ops: write {db, count, batch, channels, bytes}, readStart {db, channel, pauseMs}, readStop.

const SCHEMA = `CREATE TABLE IF NOT EXISTS events (
  channel TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, ts INTEGER NOT NULL,
  PRIMARY KEY (channel, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);`

function open(path: string): Database {
  const db = new Database(path, { create: true, strict: true })
  db.run('PRAGMA journal_mode = WAL')
  db.run('PRAGMA synchronous = NORMAL')
  db.run('PRAGMA busy_timeout = 5000')
  return db
}

/** Next seq per channel, kept across write requests (like a channel head). */
const seqs = new Map<string, number>()
const reader = { stop: false, rows: 0, passes: 0, t0: 0, done: Promise.resolve() }

serveControl(
  {
    init(req) {
      const db = open(String(req.db))
      db.run(SCHEMA)
      db.close()
      return {}
    },
    async write(req) {
      const db = open(String(req.db))
      db.run(SCHEMA)
      const insert = db.query(
        'INSERT INTO events (channel, seq, type, data, ts) VALUES ($channel, $seq, $type, $data, $ts)',
      )
      const tx = db.transaction((rows: { channel: string; seq: number; type: string; data: string; ts: number }[]) => {
        for (const r of rows) insert.run(r)
      })
      const channels: string[] = req.channels
      const pad = 'x'.repeat(Number(req.bytes ?? 64))
      const count = Number(req.count)
      const batch = Math.max(1, Math.round(Number(req.batch)))
      const t0 = now()
      let batches = 0
      for (let i = 0; i < count; ) {
        const rows = []
        for (let j = 0; j < batch && i < count; j++, i++) {
          const channel = channels[i % channels.length]!
          const seq = (seqs.get(channel) ?? 0) + 1
          seqs.set(channel, seq)
          rows.push({ channel, seq, type: 'bench', data: JSON.stringify({ i, t: now(), pad }), ts: Date.now() })
        }
        tx(rows)
        batches++
        // let the loop breathe like a server would between batches
        await new Promise<void>((r) => setImmediate(r))
      }
      const ms = now() - t0
      db.close()
      return { written: count, batches, ms, per_s: count / (ms / 1000) }
    },
    readStart(req) {
      const db = open(String(req.db))
      const page = db.query<{ seq: number; data: string }, { channel: string; after: number }>(
        'SELECT * FROM events WHERE channel = $channel AND seq > $after ORDER BY seq LIMIT 500',
      )
      reader.stop = false
      reader.rows = 0
      reader.passes = 0
      reader.t0 = now()
      reader.done = (async () => {
        while (!reader.stop) {
          let after = 0
          for (;;) {
            const rows = page.all({ channel: String(req.channel), after })
            reader.rows += rows.length
            if (rows.length < 500) break
            after = rows[rows.length - 1]!.seq
            await new Promise<void>((r) => setImmediate(r))
          }
          reader.passes++
          await Bun.sleep(Number(req.pauseMs ?? 0))
        }
        db.close()
      })()
      return {}
    },
    async readStop() {
      reader.stop = true
      await reader.done
      const ms = now() - reader.t0
      return { passes: reader.passes, rows: reader.rows, per_s: reader.rows / (ms / 1000) }
    },
  },
  () => {
    reader.stop = true
  },
)

send({ ready: true, pid: process.pid })
