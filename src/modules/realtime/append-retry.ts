// Appends a batch of channel events while other nodes append to the same channels (renumbered on StoreConflict) and
// through database outages (retried, never stored twice).
import type { StoreRetry } from '../../core/store-retry.ts'
import type { EventRecord } from '../../store/records.ts'
import { StoreConflict, type EventRepo, type StoreUnavailable } from '../../store/store.ts'
import { frameOf } from './ordered-publisher.ts'

/** Attempts at one batch that other nodes' appends may push back (a conflict each) before it is given up. */
const CONFLICT_RETRIES = 8

/** An event numbered by this node but not yet stored; its frame carries the seq, so both change together. */
export interface Numbered {
  record: EventRecord
  frame: string
}

/**
 * Appends `batch`. When another node appended to one of its channels first (StoreConflict), the seqs of the batch's
 * channels restart from their stored heads, in emit order: the batch first, then `queued()` (the emits numbered
 * after it, still waiting), and `assigned` learns the new heads; so every emitter gets its true seq. On one node a
 * conflict never happens, and this is one append.
 */
export async function appendRenumbering(
  events: EventRepo,
  batch: Numbered[],
  queued: () => Numbered[],
  assigned: Map<string, number>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await events.appendEvents(batch.map((p) => p.record))
    } catch (err) {
      if (!(err instanceof StoreConflict) || attempt >= CONFLICT_RETRIES) throw err
      const channels = [...new Set(batch.map((p) => p.record.channel))]
      const heads = await Promise.all(channels.map((c) => events.channelHead(c)))
      const next = new Map(channels.map((c, i) => [c, heads[i]!]))
      for (const p of [...batch, ...queued()]) {
        const head = next.get(p.record.channel)
        if (head === undefined) continue
        p.record.seq = head + 1
        p.frame = frameOf(p.record)
        next.set(p.record.channel, head + 1)
      }
      for (const [channel, head] of next) assigned.set(channel, head)
    }
  }
}

/**
 * `appendRenumbering`, retried while the database is away. A retry first looks whether the failed attempt committed
 * after all (the connection broke after COMMIT, before its answer came back): then the batch is stored already and
 * must not be stored again under new seqs.
 */
export function appendThroughOutages(
  events: EventRepo,
  batch: Numbered[],
  queued: () => Numbered[],
  assigned: Map<string, number>,
  retry: StoreRetry,
  onRetry: (err: StoreUnavailable, attempt: number) => void,
): Promise<void> {
  return retry.run(async (attempt) => {
    if (attempt > 1 && (await isStored(events, batch))) return
    await appendRenumbering(events, batch, queued, assigned)
  }, onRetry)
}

/** True when, in every channel of the batch, the stored rows at its seqs are its events (same type, data and time). */
async function isStored(events: EventRepo, batch: Numbered[]): Promise<boolean> {
  const byChannel = new Map<string, EventRecord[]>()
  for (const { record } of batch) {
    const list = byChannel.get(record.channel)
    if (list) list.push(record)
    else byChannel.set(record.channel, [record])
  }
  for (const [channel, records] of byChannel) {
    const rows = await events.readAfter(channel, records[0]!.seq - 1, records.length)
    const same = (r: EventRecord, i: number) => {
      const e = records[i]!
      return r.seq === e.seq && r.type === e.type && r.data === e.data && r.ts === e.ts
    }
    if (rows.length !== records.length || !rows.every(same)) return false
  }
  return true
}
