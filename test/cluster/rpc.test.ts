// Node-to-node RPC over the machine's Redis: replies, errors in the one shape, and NODE_UNAVAILABLE when nobody answers.
import { afterEach, describe, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { AppError } from '../../src/core/errors.ts'
import { createLogger } from '../../src/core/logger.ts'
import { clusterKeys } from '../../src/modules/cluster/model.ts'
import { NodeRpc } from '../../src/modules/cluster/rpc.ts'
import { dropPrefix } from '../support/cluster.ts'
import { REDIS_URL, requireRedis, testPrefix } from '../support/redis.ts'

const hasRedis = await requireRedis('test/cluster/rpc.test.ts')
const TIMEOUT_MS = 300

const prefix = testPrefix()
const open: NodeRpc[] = []
const clients: RedisClient[] = []

afterEach(async () => {
  for (const r of open.splice(0)) r.stop()
  for (const c of clients.splice(0)) c.close()
  await dropPrefix(prefix)
})

async function rpcNode(nodeId: string): Promise<NodeRpc> {
  const redis = new RedisClient(REDIS_URL)
  await redis.connect()
  const subscriber = await redis.duplicate()
  clients.push(redis, subscriber)
  const keys = clusterKeys(prefix)
  const rpc = new NodeRpc({ redis, subscriber, keys, nodeId, timeoutMs: TIMEOUT_MS, logger: createLogger('silent') })
  await rpc.start()
  open.push(rpc)
  return rpc
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (err: AppError) => ({ code: err.code, status: err.status, message: err.message, details: err.details }),
  )

describe.skipIf(!hasRedis)('node rpc', () => {
  test('a call runs the named handler on the other node and resolves its value', async () => {
    const [a, b] = [await rpcNode('a'), await rpcNode('b')]
    b.handle('double', async (n) => (n as number) * 2)
    expect(await a.call('b', 'double', 21)).toBe(42)
  })

  test("the handler's AppError arrives with its code, status and details; any other error as a bare INTERNAL_ERROR", async () => {
    const [a, b] = [await rpcNode('a'), await rpcNode('b')]
    b.handle('refuse', async () => {
      throw new AppError('CONFLICT', 409, 'Execution already completed', { details: { why: 'done' } })
    })
    b.handle('crash', async () => {
      throw new Error('secret path /srv/x')
    })
    expect(await failure(a.call('b', 'refuse', null))).toEqual({
      code: 'CONFLICT',
      status: 409,
      message: 'Execution already completed',
      details: { why: 'done' },
    })
    const crash = await failure(a.call('b', 'crash', null))
    expect(crash).toMatchObject({ code: 'INTERNAL_ERROR', status: 500 })
    expect(crash.message).not.toContain('secret')
  })

  test('a node nobody listens for fails at once with 503 NODE_UNAVAILABLE, not after the timeout', async () => {
    const a = await rpcNode('a')
    const t0 = performance.now()
    expect(await failure(a.call('gone', 'double', 1))).toMatchObject({
      code: 'NODE_UNAVAILABLE',
      status: 503,
      details: { node: 'gone' },
    })
    expect(performance.now() - t0).toBeLessThan(TIMEOUT_MS)
  })

  test('a node that does not answer in time fails the call with 503 NODE_UNAVAILABLE after the timeout', async () => {
    const [a, b] = [await rpcNode('a'), await rpcNode('b')]
    b.handle('stall', () => new Promise(() => {}))
    const t0 = performance.now()
    const err = await failure(a.call('b', 'stall', null))
    expect(err).toMatchObject({ code: 'NODE_UNAVAILABLE', status: 503 })
    expect(err.message).toContain(`${TIMEOUT_MS} ms`)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(TIMEOUT_MS - 5)
  })
})
