// The EventBus contract on the in-process bus, plus its synchronous delivery.
import { expect, test } from 'bun:test'
import { MemoryBus } from '../../src/bus/memory-bus.ts'
import { busContract } from './contract.ts'

busContract(async () => new MemoryBus())

test('the memory bus delivers within publish', () => {
  const bus = new MemoryBus()
  const got: string[] = []
  bus.subscribe((m) => got.push(m.frame))
  bus.publish({ channel: 'broadcast', type: 't', frame: 'x' })
  expect(got).toEqual(['x'])
})
