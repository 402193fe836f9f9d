// SDK request/reply against a real server: one reply per id, errors with code and message, timeouts.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { Type as T } from '@sinclair/typebox'
import { CchubError, type CchubClient } from '../../src/client/index.ts'
import * as exported from 'cchub/client'
import { fastClient, fixture, type Fixture } from './helpers.ts'
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

describe('request/reply', () => {
  test('the package export "cchub/client" is the SDK', () => {
    expect(exported.CchubClient).toBe(client.constructor as typeof exported.CchubClient)
    expect(typeof exported.CchubError).toBe('function')
  })

  test('connect resolves once authenticated and reports the user', async () => {
    await client.connect()
    expect(client.state).toBe('open')
    expect(client.user?.username).toBe('admin')
    expect(client.connectionId).toMatch(/\S+/)
  })

  test('authMode query sends the token as ?token= and the socket opens authenticated', async () => {
    await client.close()
    client = fastClient(f.server.url, { token: f.token, authMode: 'query' })
    const connected: boolean[] = []
    client.on('connected', (d) => connected.push(d.authenticated))
    await client.connect()
    expect(connected).toEqual([true])
  })

  test('concurrent pings each get their own pong, by id', async () => {
    await client.connect()
    const stamps = Array.from({ length: 10 }, (_, i) => 1_000 + i)
    const pongs = await Promise.all(stamps.map((timestamp) => client.request('ping', { data: { timestamp } })))
    expect(pongs.map((p) => p.timestamp)).toEqual(stamps)
    for (const p of pongs) expect(typeof p.server_time).toBe('number')
  })

  test('success replies resolve with their data', async () => {
    await client.connect()
    const reply = await client.request('unsubscribe', { channel: 'broadcast' })
    expect(reply).toEqual({ action: 'unsubscribe', channel: 'broadcast', was_subscribed: false })
  })

  test('error replies reject with a CchubError carrying code and message', async () => {
    await client.connect()
    const err = await client.request('no-such-type').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CchubError)
    expect((err as CchubError).code).toBe('UNKNOWN_MESSAGE_TYPE')
    expect((err as CchubError).message).toContain('no-such-type')
    // the connection survives an error reply
    expect((await client.request('ping', { data: { timestamp: 1 } })).timestamp).toBe(1)
  })

  test('a request without a reply in time rejects with TIMEOUT', async () => {
    // the handler answers only once the test lets it: after the client has given up
    const gate = Promise.withResolvers<void>()
    f.server.services.dispatcher.on('slow', T.Object({ type: T.Literal('slow') }), async () => {
      await gate.promise
      return { late: true }
    })
    await client.connect()
    const err = await client.request('slow', {}, { timeoutMs: 50 }).catch((e: unknown) => e)
    expect((err as CchubError).code).toBe('TIMEOUT')
    gate.resolve()
    expect(await client.request<{ late: boolean }>('slow', {}, { timeoutMs: 2_000 })).toEqual({ late: true })
  })

  test('a request made before the connection is up is sent once it is', async () => {
    const connecting = client.connect()
    const pong = client.request('ping', { data: { timestamp: 7 } })
    await connecting
    expect((await pong).timestamp).toBe(7)
  })

  test('requests on a closed client reject with CLOSED', async () => {
    await client.connect()
    await client.close()
    expect(client.state).toBe('closed')
    const err = await client.request('ping').catch((e: unknown) => e)
    expect((err as CchubError).code).toBe('CLOSED')
  })

  test('in-flight requests reject with DISCONNECTED when the socket drops', async () => {
    const gate = Promise.withResolvers<void>()
    let started = false
    f.server.services.dispatcher.on('slow', T.Object({ type: T.Literal('slow') }), async () => {
      started = true
      await gate.promise
      return {}
    })
    await client.connect()
    const pending = client.request('slow', {}, { timeoutMs: 2_000 }).catch((e: unknown) => e)
    await waitFor(() => started, 2_000, 'the request to reach the server')
    for (const c of f.server.services.gateway.connections.values()) c.close(1011, 'test drop')
    expect(((await pending) as CchubError).code).toBe('DISCONNECTED')
    gate.resolve()
  })
})
