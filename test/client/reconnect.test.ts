// SDK reconnects against a real server: sockets dropped mid-stream lose and repeat nothing; credentials, token refresh.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { Type as T } from '@sinclair/typebox'
import type { CchubClient, CchubError, DisconnectInfo } from '../../src/client/index.ts'
import { dropAllSockets, fastClient, fixture, recordStates, startPublisher, type Fixture } from './helpers.ts'
import { expectSeqs } from '../support/seqs.ts'
import { waitFor } from '../support/wait.ts'

let f: Fixture
let client: CchubClient | undefined
let publisher: ReturnType<typeof startPublisher> | undefined

beforeEach(async () => {
  f = await fixture()
})
afterEach(async () => {
  await publisher?.stop()
  publisher = undefined
  await client?.close()
  client = undefined
  await f.server.close()
})

const emitter = () => f.server.services.log.emit.bind(f.server.services.log)

describe('reconnect', () => {
  test('server-side drops while a publisher keeps going: every seq exactly once, in order', async () => {
    client = fastClient(f.server.url, { token: f.token })
    const states = recordStates(client)
    const opens = () => states.filter((s) => s === 'open').length
    await client.connect()
    const got: number[] = []
    await client.subscribe(f.channel, (m) => got.push(m.seq!)).ready
    publisher = startPublisher(emitter, f.channel, 1)
    for (let i = 1; i <= 6; i++) {
      const before = got.length // let some messages flow on this connection before it is cut
      await waitFor(() => got.length >= before + 5, 2_000, `messages on connection ${i}`)
      expect(dropAllSockets(f.server)).toBe(1)
      await waitFor(() => opens() === i + 1, 2_000, `reconnect ${i}`)
    }
    const sent = await publisher.stop()
    await waitFor(() => got.length >= sent, 2_000, `all ${sent} messages`)
    expect(sent).toBeGreaterThan(50)
    expectSeqs(got, 0, { through: sent })
    expect(client.stats.duplicatesDropped).toBe(0)
    expect(client.stats.reconnects).toBe(6)
    expect(states.filter((s) => s === 'reconnecting')).toHaveLength(6)
  })

  test('close() from a disconnect listener stops the reconnect that was about to be scheduled', async () => {
    client = fastClient(f.server.url, { token: f.token })
    await client.connect()
    const c = client
    c.on('disconnect', (info: DisconnectInfo) => {
      if (info.willReconnect) void c.close()
    })
    dropAllSockets(f.server)
    await waitFor(() => c.state === 'closed', 2_000, 'closed')
    // real time is the subject: a reconnect timer that must not fire (the client SDK has no injectable clock);
    // 600 ms is three times the longest backoff of this client (200 ms)
    await Bun.sleep(600)
    expect(c.state).toBe('closed')
    expect(c.stats.reconnects).toBe(0)
    expect(f.server.services.gateway.connections.size).toBe(0)
  })

  test('the token provider is called again before every reconnect', async () => {
    const tokens: string[] = []
    client = fastClient(f.server.url, {
      tokenProvider: async () => {
        const t = await f.server.login()
        tokens.push(t)
        return t
      },
    })
    await client.connect()
    dropAllSockets(f.server)
    await waitFor(() => tokens.length === 2 && client!.state === 'open', 3_000, 'second connection')
    dropAllSockets(f.server)
    await waitFor(() => tokens.length === 3 && client!.state === 'open', 3_000, 'third connection')
    expect(new Set(tokens).size).toBe(3)
  })

  test('a revoked token closes the socket (4002) and, without a provider, the client stops', async () => {
    client = fastClient(f.server.url, { token: f.token })
    const disconnects: DisconnectInfo[] = []
    client.on('disconnect', (d) => disconnects.push(d))
    await client.connect()
    expect((await f.server.api('/api/v1/auth/logout', { token: f.token, body: {} })).status).toBe(200)
    await waitFor(() => client!.state === 'closed', 2_000, 'closed')
    expect(disconnects).toEqual([{ code: 4002, reason: 'token revoked', willReconnect: false }])
    await waitFor(() => f.server.services.gateway.connections.size === 0, 2_000, 'the server to drop the connection')
  })

  test('with a provider, a revoked token is replaced and the subscription resumes without a gap', async () => {
    let current = f.token
    let calls = 0
    client = fastClient(f.server.url, { tokenProvider: () => (calls++, current) })
    await client.connect()
    const got: number[] = []
    await client.subscribe(f.channel, (m) => got.push(m.seq!)).ready
    await f.server.services.log.emit(f.channel, 'event', { before: true })
    const fresh = await f.server.login()
    expect((await f.server.api('/api/v1/auth/logout', { token: current, body: {} })).status).toBe(200)
    current = fresh
    await f.server.services.log.emit(f.channel, 'event', { during: true })
    await waitFor(() => calls === 2 && client!.state === 'open', 3_000, 'reconnect with the fresh token')
    await f.server.services.log.emit(f.channel, 'event', { after: true })
    await waitFor(() => got.length === 3)
    expect(got).toEqual([1, 2, 3])
  })

  test('bad credentials at connect: connect() rejects with the server code and nothing is retried', async () => {
    client = fastClient(f.server.url, { token: 'not-a-token' })
    const states = recordStates(client)
    const err = (await client.connect().catch((e: unknown) => e)) as CchubError
    expect(err.code).toBe('UNAUTHORIZED')
    expect(client.state).toBe('closed')
    expect(states).toEqual(['connecting', 'closed'])
  })

  test('a server that stops answering is detected by the pong timeout and the client reconnects', async () => {
    // a stalled handler blocks this connection's message queue, like a hung server process would
    const stall = Promise.withResolvers<void>()
    f.server.services.dispatcher.on(
      'ping',
      T.Object({ type: T.Literal('ping') }, { additionalProperties: true }),
      async () => {
        await stall.promise
        return undefined
      },
      { public: true },
    )
    client = fastClient(f.server.url, { token: f.token, pingIntervalMs: 50, pongTimeoutMs: 100 })
    const disconnects: DisconnectInfo[] = []
    client.on('disconnect', (d) => disconnects.push(d))
    await client.connect()
    await waitFor(() => disconnects.length > 0, 2_000, 'pong timeout')
    stall.resolve()
    expect(disconnects[0]).toMatchObject({ code: 4000, reason: 'pong timeout', willReconnect: true })
    await waitFor(() => client!.state === 'open', 2_000, 'reconnect')
  })
})
