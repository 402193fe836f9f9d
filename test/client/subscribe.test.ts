// SDK subscriptions against a real server: delivery in seq order, since/replay, truncated/reset notices, unsubscribe.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import type { CchubClient, ChannelMessage, GapInfo, ResetInfo } from '../../src/client/index.ts'
import { fastClient, fixture, recordStates, type Fixture } from './helpers.ts'
import { expectSeqs } from '../support/seqs.ts'
import { waitFor } from '../support/wait.ts'

let f: Fixture
let client: CchubClient

beforeEach(async () => {
  f = await fixture()
  client = fastClient(f.server.url, { token: f.token })
})
afterEach(async () => {
  await client.close()
  await f.server.close()
})

// awaits every emit, not log.drain(): drain() does not wait for emits still loading the channel head
const emitMany = (channel: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => f.server.services.log.emit(channel, 'event', { i: i + 1 })))

describe('subscribe', () => {
  test('delivers published messages in seq order with their envelope', async () => {
    await client.connect()
    const got: ChannelMessage<{ i: number }>[] = []
    const sub = client.subscribe<{ i: number }>(f.channel, (m) => got.push(m))
    const reply = await sub.ready
    expect(reply).toMatchObject({ action: 'subscribe', channel: f.channel, seq: 0, replayed: 0 })
    await emitMany(f.channel, 50)
    await waitFor(() => got.length === 50)
    expectSeqs(
      got.map((m) => m.seq!),
      0,
      { through: 50 },
    )
    expect(got[0]).toMatchObject({ type: 'event', channel: f.channel, seq: 1, data: { i: 1 } })
    expect(typeof got[0]!.timestamp).toBe('string')
    expect(client.lastSeq(f.channel)).toBe(50)
  })

  test('subscribing before connect() sends the subscription once connected', async () => {
    const got: number[] = []
    const sub = client.subscribe(f.channel, (m) => got.push(m.seq!))
    await client.connect()
    await sub.ready
    await emitMany(f.channel, 3)
    await waitFor(() => got.length === 3)
  })

  test('since replays history before live messages, each once', async () => {
    await emitMany(f.channel, 30)
    await client.connect()
    const got: number[] = []
    const sub = client.subscribe(f.channel, (m) => got.push(m.seq!), { since: 10 })
    expect(await sub.ready).toMatchObject({ replayed: 20, seq: 30 })
    // replayed frames arrive before the subscribe reply
    expectSeqs(got, 10, { through: 30 })
    await emitMany(f.channel, 5)
    await waitFor(() => got.length === 25)
    expectSeqs(got, 10, { through: 35 })
  })

  test('live-only channels (broadcast) deliver without seq', async () => {
    await client.connect()
    const got: ChannelMessage[] = []
    await client.subscribe('broadcast', (m) => got.push(m)).ready
    const res = await f.server.api('/api/v1/broadcast', {
      token: f.token,
      body: { type: 'notice', data: { hello: 'all' } },
    })
    expect(res.status).toBe(200)
    await waitFor(() => got.length === 1)
    expect(got[0]).toMatchObject({ type: 'notice', channel: 'broadcast', data: { hello: 'all' } })
    expect(got[0]!.seq).toBeUndefined()
  })

  test('several handlers share one server subscription; the last unsubscribe ends it', async () => {
    await client.connect()
    const a: number[] = []
    const b: number[] = []
    const unA = client.subscribe(f.channel, (m) => a.push(m.seq!))
    const unB = client.subscribe(f.channel, (m) => b.push(m.seq!))
    await unA.ready
    await emitMany(f.channel, 2)
    await waitFor(() => a.length === 2 && b.length === 2)
    unA()
    await emitMany(f.channel, 1)
    await waitFor(() => b.length === 3)
    expect(a).toEqual([1, 2])
    unB()
    await waitFor(
      () => f.server.services.gateway.stats.perChannel.get(f.channel) === undefined,
      2_000,
      'server-side unsubscribe',
    )
  })

  test('a refused subscription rejects ready and calls onError with the server code', async () => {
    await client.connect()
    const errors: Error[] = []
    const sub = client.subscribe('user:someone-else', () => {}, { onError: (e) => errors.push(e) })
    const err = await sub.ready.catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'FORBIDDEN' })
    expect(errors).toHaveLength(1)
    expect(client.stats.subscriptions).toBe(0)
  })

  test('a since older than what is kept is reported through onGap, then delivery continues', async () => {
    await emitMany(f.channel, 20)
    // simulate retention having pruned everything kept so far
    await f.server.services.store.events.prune(Date.now() + 1_000)
    await emitMany(f.channel, 3)
    const gaps: GapInfo[] = []
    const got: number[] = []
    await client.connect()
    const reply = await client.subscribe(f.channel, (m) => got.push(m.seq!), { since: 0, onGap: (g) => gaps.push(g) })
      .ready
    expect(reply.truncated).toEqual({ requested_since: 0, oldest_seq: 21 })
    expect(gaps).toEqual([{ channel: f.channel, from: 1, to: 20, reason: 'truncated' }])
    expectSeqs(got, 20, { through: 23 })
    expect(client.stats.duplicatesDropped).toBe(0)
  })

  test('a since ahead of the channel is reported through onReset and delivery restarts from the real head', async () => {
    await emitMany(f.channel, 5)
    await client.connect()
    const resets: ResetInfo[] = []
    const got: number[] = []
    const reply = await client.subscribe(f.channel, (m) => got.push(m.seq!), {
      since: 100,
      onReset: (r) => resets.push(r),
    }).ready
    expect(reply.reset).toEqual({ requested_since: 100, head: 5 })
    expect(resets).toEqual([{ channel: f.channel, requestedSince: 100, head: 5 }])
    await emitMany(f.channel, 2)
    await waitFor(() => got.length === 2)
    expect(got).toEqual([6, 7])
  })

  test('state events: connecting, open, closed', async () => {
    const states = recordStates(client)
    await client.connect()
    await client.close()
    expect(states).toEqual(['connecting', 'open', 'closed'])
  })

  test('a handler that throws does not stop delivery to the others', async () => {
    await client.connect()
    const errors: Error[] = []
    client.on('error', (e) => errors.push(e))
    const got: number[] = []
    client.subscribe(f.channel, () => {
      throw new Error('boom')
    })
    await client.subscribe(f.channel, (m) => got.push(m.seq!)).ready
    await emitMany(f.channel, 3)
    await waitFor(() => got.length === 3 && errors.length === 3)
    expect(errors[0]!.message).toBe('boom')
  })
})
