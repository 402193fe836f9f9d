// The Store contract suite: what every Store implementation must do, per the comments in src/store/store.ts.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { StoreConflict, type Store } from '../../src/store/store.ts'
import { recordRepoContract } from './contract-records.ts'
import * as f from './fixtures.ts'

// storeContract() registers the tests; test/store/sqlite.test.ts runs them on SQLite, postgres.test.ts on PostgreSQL.

export interface ContractContext {
  /** The store under test: a fresh, empty one for every test. */
  readonly store: Store
  /** Another Store instance on the same database as `store` (what a second process or node would open). */
  sibling(): Promise<Store>
}

/** Expects `p` to reject with StoreConflict (the contract's only error for a uniqueness or sequence violation). */
export async function expectConflict(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(StoreConflict)
}

/**
 * `openSibling(store)` opens a second Store on the database of `store`; the suite closes it before `cleanup(store)`.
 */
export function storeContract(
  name: string,
  makeStore: () => Promise<Store>,
  cleanup: (store: Store) => Promise<void>,
  openSibling: (store: Store) => Promise<Store>,
): void {
  let current: Store | null = null
  const siblings: Store[] = []
  const ctx: ContractContext = {
    get store() {
      if (!current) throw new Error('no store: the contract runs inside its own tests')
      return current
    },
    async sibling() {
      const s = await openSibling(ctx.store)
      siblings.push(s)
      return s
    },
  }
  beforeEach(async () => {
    current = await makeStore()
  })
  afterEach(async () => {
    for (const s of siblings.splice(0)) await s.close()
    if (current) await cleanup(current)
    current = null
  })

  describe(`${name}: Store contract`, () => {
    eventContract(ctx)
    multiWriterContract(ctx)
    recordRepoContract(ctx)
    lifecycleContract(ctx)
  })
}

function eventContract(ctx: ContractContext): void {
  describe('events', () => {
    test('an empty channel: head 0, no oldest seq, nothing to read; an empty batch is fine', async () => {
      const ev = ctx.store.events
      await ev.appendEvents([])
      expect(await ev.channelHead('c')).toBe(0)
      expect(await ev.oldestSeq('c')).toBeNull()
      expect(await ev.readAfter('c', 0, 10)).toEqual([])
      expect(await ev.readBefore('c', 100, 10)).toEqual([])
    })

    test('appends keep the head; reads give the records back as written', async () => {
      const ev = ctx.store.events
      const batch = f.events('c', 1, 3)
      await ev.appendEvents(batch)
      await ev.appendEvents(f.events('c', 4, 4))
      expect(await ev.channelHead('c')).toBe(4)
      expect(await ev.oldestSeq('c')).toBe(1)
      expect(await ev.readAfter('c', 0, 3)).toEqual(batch)
    })

    test('the first seq of a channel must be 1', async () => {
      await expectConflict(ctx.store.events.appendEvents(f.events('c', 2, 3)))
      expect(await ctx.store.events.channelHead('c')).toBe(0)
    })

    test('a seq gap rejects the whole batch with StoreConflict and stores none of it', async () => {
      const ev = ctx.store.events
      await ev.appendEvents(f.events('c', 1, 2))
      await expectConflict(ev.appendEvents(f.events('c', 4, 5)))
      // a batch whose start is right but which has a gap inside: atomic, nothing of it lands
      await expectConflict(ev.appendEvents([...f.events('c', 3, 4), ...f.events('c', 6, 6)]))
      expect(await ev.channelHead('c')).toBe(2)
      expect((await ev.readAfter('c', 0, 10)).map((e) => e.seq)).toEqual([1, 2])
    })

    test('a duplicate seq (in the store or twice in the batch) rejects with StoreConflict', async () => {
      const ev = ctx.store.events
      await ev.appendEvents(f.events('c', 1, 3))
      await expectConflict(ev.appendEvents(f.events('c', 3, 4)))
      await expectConflict(ev.appendEvents([...f.events('c', 4, 4), ...f.events('c', 4, 4)]))
      expect(await ev.channelHead('c')).toBe(3)
      expect((await ev.readAfter('c', 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3])
    })

    test('one batch may span channels; each keeps its own sequence, and a conflict in one rolls back all', async () => {
      const ev = ctx.store.events
      await ev.appendEvents([...f.events('a', 1, 2), ...f.events('b', 1, 1), ...f.events('a', 3, 3)])
      expect([await ev.channelHead('a'), await ev.channelHead('b')]).toEqual([3, 1])
      await expectConflict(ev.appendEvents([...f.events('a', 4, 4), ...f.events('b', 3, 3)]))
      expect([await ev.channelHead('a'), await ev.channelHead('b')]).toEqual([3, 1])
    })

    test('readAfter: seq > after, ascending, at most limit; readBefore: seq < before, newest first, at most limit', async () => {
      const ev = ctx.store.events
      await ev.appendEvents(f.events('c', 1, 10))
      await ev.appendEvents(f.events('other', 1, 5))
      expect((await ev.readAfter('c', 3, 4)).map((e) => e.seq)).toEqual([4, 5, 6, 7])
      expect((await ev.readAfter('c', 8, 100)).map((e) => e.seq)).toEqual([9, 10])
      expect(await ev.readAfter('c', 10, 5)).toEqual([])
      expect((await ev.readBefore('c', 8, 3)).map((e) => e.seq)).toEqual([7, 6, 5])
      expect((await ev.readBefore('c', 3, 10)).map((e) => e.seq)).toEqual([2, 1])
      expect((await ev.readBefore('c', 11, 100)).every((e) => e.channel === 'c')).toBe(true)
    })

    test('prune deletes events older than the cut (every channel), the heads stay, seqs never repeat', async () => {
      const ev = ctx.store.events
      await ev.appendEvents([...f.events('c', 1, 3, 1000), ...f.events('d', 1, 1, 1000)])
      await ev.appendEvents(f.events('c', 4, 5, 3000))
      expect(await ev.prune(2000)).toBe(4)
      expect(await ev.prune(2000)).toBe(0)
      expect((await ev.readAfter('c', 0, 10)).map((e) => e.seq)).toEqual([4, 5])
      expect(await ev.oldestSeq('c')).toBe(4)
      expect(await ev.oldestSeq('d')).toBeNull()
      expect([await ev.channelHead('c'), await ev.channelHead('d')]).toEqual([5, 1])
      await expectConflict(ev.appendEvents(f.events('d', 1, 1)))
      await ev.appendEvents(f.events('d', 2, 2))
      expect((await ev.readAfter('d', 0, 10)).map((e) => e.seq)).toEqual([2])
    })
  })
}

/** Appends `size` events to `channel` after reading its head, again on every StoreConflict; resolves the seqs it got. */
async function appendWithRetry(store: Store, channel: string, size: number, tag: string): Promise<number[]> {
  for (;;) {
    const head = await store.events.channelHead(channel)
    const batch = f.events(channel, head + 1, head + size).map((e) => ({ ...e, data: JSON.stringify({ tag }) }))
    const ok = await store.events.appendEvents(batch).then(
      () => true,
      (err: unknown) => {
        if (err instanceof StoreConflict) return false
        throw err
      },
    )
    if (ok) return batch.map((e) => e.seq)
  }
}

function multiWriterContract(ctx: ContractContext): void {
  test('multi-writer: two Store instances on one database append to one channel at once; seqs 1..N, no gap, no duplicate', async () => {
    const stores = [ctx.store, await ctx.sibling()]
    const rounds = 25
    // two writers on each instance, batches of 1-3 events, each retrying on StoreConflict after re-reading the head
    const writers = stores.flatMap((store, si) =>
      [0, 1].map(async (wi) => {
        const acked: { tag: string; seqs: number[] }[] = []
        for (let r = 0; r < rounds; r++) {
          const tag = `${si}.${wi}.${r}`
          acked.push({ tag, seqs: await appendWithRetry(store, 'shared', 1 + ((r + wi) % 3), tag) })
        }
        return acked
      }),
    )
    const acked = (await Promise.all(writers)).flat()
    const total = acked.reduce((n, a) => n + a.seqs.length, 0)
    const stored = await ctx.store.events.readAfter('shared', 0, total + 10)
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    // every acknowledged batch is stored exactly as acknowledged, under its own seqs
    for (const a of acked)
      expect(a.seqs.map((seq) => JSON.parse(stored[seq - 1]!.data).tag)).toEqual(a.seqs.map(() => a.tag))
    for (const s of stores) expect(await s.events.channelHead('shared')).toBe(total)
  })
}

function lifecycleContract(ctx: ContractContext): void {
  describe('lifecycle', () => {
    test('ping is true while open; after close it is false and calls reject; close twice is fine', async () => {
      const s = ctx.store
      expect(await s.ping()).toBe(true)
      await s.close()
      await s.close()
      expect(await s.ping()).toBe(false)
      expect(
        await s.users.count().then(
          () => 'resolved',
          () => 'rejected',
        ),
      ).toBe('rejected')
    })
  })
}
