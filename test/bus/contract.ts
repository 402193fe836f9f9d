// The EventBus contract suite: what every bus must do, per the comment in src/bus/event-bus.ts.
import { afterEach, beforeEach, expect, test } from 'bun:test'
import type { BusMessage, EventBus } from '../../src/bus/event-bus.ts'
import { waitFor } from '../support/wait.ts'

// busContract() registers the tests; test/bus/memory.test.ts and test/bus/redis.test.ts run them.

const msg = (channel: string, i: number, seq?: number): BusMessage => ({
  channel,
  type: 'test',
  ...(seq === undefined ? {} : { seq }),
  frame: `{"type":"test","channel":${JSON.stringify(channel)},"data":${i},"timestamp":"t"}`,
})

/** `open` gives a fresh bus (its own prefix on a networked one); it is closed after each test. */
export function busContract(open: () => Promise<EventBus>): void {
  let bus: EventBus
  beforeEach(async () => {
    bus = await open()
  })
  afterEach(async () => {
    await bus.close()
  })

  /** A new subscriber collecting what it receives. */
  const received = (): BusMessage[] => {
    const got: BusMessage[] = []
    bus.subscribe((m) => got.push(m))
    return got
  }

  test('a message reaches every subscriber with its fields intact', async () => {
    const a = received()
    const b = received()
    const m = { ...msg('session:1', 1, 7), origin: 'node-x' }
    bus.publish(m)
    bus.publish(msg('broadcast', 2))
    await waitFor(() => a.length === 2 && b.length === 2, 3000, 'both subscribers got both')
    expect(a).toEqual([m, msg('broadcast', 2)])
    expect(b).toEqual(a)
  })

  test('messages arrive in publish order, across channels', async () => {
    const got = received()
    const sent: BusMessage[] = []
    for (let i = 1; i <= 300; i++) sent.push(msg(`session:${i % 3}`, i, i))
    for (const m of sent) bus.publish(m)
    await waitFor(
      () => got.length >= 300,
      5000,
      () => `300 messages, got ${got.length}`,
    )
    expect(got.map((m) => m.seq)).toEqual(sent.map((m) => m.seq))
  })

  test('a subscriber that throws does not stop the others, and unsubscribing stops delivery', async () => {
    bus.subscribe(() => {
      throw new Error('broken subscriber')
    })
    const got: BusMessage[] = []
    const stop = bus.subscribe((m) => got.push(m))
    const later = received()
    bus.publish(msg('broadcast', 1))
    await waitFor(() => got.length === 1 && later.length === 1, 3000, 'the healthy subscribers got it')
    stop()
    bus.publish(msg('broadcast', 2))
    await waitFor(() => later.length === 2, 3000, 'the remaining subscriber got the second')
    expect(got.length).toBe(1)
  })

  test('ping answers true while the bus can deliver', async () => {
    expect(await bus.ping()).toBe(true)
  })

  test('publish after close neither throws nor delivers', async () => {
    const got = received()
    await bus.close()
    expect(() => bus.publish(msg('broadcast', 1))).not.toThrow()
    expect(got).toEqual([])
  })
}
