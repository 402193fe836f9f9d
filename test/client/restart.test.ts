// The SDK across a full server restart on the same port and data directory: the event log bridges the downtime.
import { afterEach, expect, test } from 'bun:test'
import type { CchubClient, ConnectionState } from '../../src/client/index.ts'
import { fastClient, fixture, recordStates, startPublisher, type Fixture } from './helpers.ts'
import { expectSeqs } from '../support/seqs.ts'
import { waitFor } from '../support/wait.ts'

let first: Fixture | undefined
let second: Fixture | undefined
let client: CchubClient | undefined
let publisher: ReturnType<typeof startPublisher> | undefined

afterEach(async () => {
  await publisher?.stop()
  await client?.close()
  await first?.server.close({ keepData: second !== undefined })
  await second?.server.close()
  first = second = client = publisher = undefined
})

test('reconnects across a server restart and receives every seq exactly once, in order', async () => {
  first = await fixture()
  const { token, channel } = first
  let live = first
  const emit = () => live.server.services.log.emit.bind(live.server.services.log)
  client = fastClient(first.server.url, { token, reconnect: { baseMs: 20, maxMs: 100 } })
  const states: ConnectionState[] = recordStates(client)
  await client.connect()
  const got: number[] = []
  await client.subscribe(channel, (m) => got.push(m.seq!)).ready

  publisher = startPublisher(emit, channel, 1)
  await waitFor(() => got.length >= 30, 2_000, 'messages before the restart')
  const beforeStop = await publisher.stop()
  await first.server.close({ keepData: true })

  // same port and data dir; the JWT secret is the test config's, so the client's token stays valid
  second = await fixture({ port: first.server.port }, first.server.dataDir)
  live = second
  publisher = startPublisher(emit, channel, 1)
  await waitFor(
    () => client!.state === 'open' && states.filter((s) => s === 'open').length === 2,
    3_000,
    'reconnect to the new server',
  )
  await waitFor(() => got.length >= beforeStop + 20, 2_000, 'messages after the restart')
  const total = beforeStop + (await publisher.stop())
  await waitFor(() => got.length >= total, 2_000, `all ${total} messages`)
  expectSeqs(got, 0, { through: total })
  expect(client.stats.duplicatesDropped).toBe(0)
  expect(states).toContain('reconnecting')
})
