// The EventBus contract on Redis (each test on its own channel), plus the wire codec and survival of a dropped link.
import { describe, expect, test } from 'bun:test'
import { decode, encode, openRedisBus } from '../../src/bus/redis-bus.ts'
import { REDIS_URL, requireRedis, testPrefix } from '../support/redis.ts'
import { startTcpProxy } from '../support/tcp-proxy.ts'
import { waitFor } from '../support/wait.ts'
import { busContract } from './contract.ts'

const hasRedis = await requireRedis('test/bus/redis.test.ts')

describe.skipIf(!hasRedis)('redis bus', () => {
  busContract(() => openRedisBus(REDIS_URL, `${testPrefix()}bus`))

  test('after its connection drops and comes back, the bus delivers again and says it reconnected', async () => {
    const url = new URL(REDIS_URL)
    const proxy = startTcpProxy({ hostname: url.hostname, port: Number(url.port || 6379) })
    const channel = `${testPrefix()}bus`
    const viaProxy = await openRedisBus(`redis://127.0.0.1:${proxy.port}`, channel)
    const direct = await openRedisBus(REDIS_URL, channel)
    try {
      const got: string[] = []
      let reconnects = 0
      viaProxy.subscribe((m) => got.push(m.frame))
      viaProxy.onReconnect(() => reconnects++)
      direct.publish({ channel: 'broadcast', type: 't', frame: 'before' })
      await waitFor(() => got.length === 1, 3000, 'the first message')
      proxy.cut()
      await waitFor(async () => !(await viaProxy.ping()), 3000, 'ping to say the bus is down')
      direct.publish({ channel: 'broadcast', type: 't', frame: 'lost' })
      proxy.restore()
      await waitFor(() => reconnects === 1, 10_000, 'the reconnect')
      expect(await viaProxy.ping()).toBe(true)
      direct.publish({ channel: 'broadcast', type: 't', frame: 'after' })
      await waitFor(() => got.length === 2, 3000, 'the message after the reconnect')
      expect(got).toEqual(['before', 'after'])
    } finally {
      await viaProxy.close()
      await direct.close()
      proxy.stop()
    }
  })
})

test('the wire codec keeps every field and ignores foreign messages', () => {
  const m = { channel: 'session:a', type: 'x', seq: 3, frame: '{"a":"b\\n"}', origin: 'n1' }
  expect(decode(encode(m))).toEqual(m)
  expect(decode(encode({ channel: 'broadcast', type: 'y', frame: '{}' }))).toEqual({
    channel: 'broadcast',
    type: 'y',
    frame: '{}',
  })
  expect(decode('hello')).toBeNull()
  expect(decode('not json\n{}')).toBeNull()
})
