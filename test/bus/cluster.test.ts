// Several nodes: the refused SQLite + Redis setup, CCHUB_NODE_ID, /health with Redis down, signals and revocations over Redis.
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openRedisBus, type RedisBus } from '../../src/bus/redis-bus.ts'
import { relaySignals } from '../../src/bus/signal-relay.ts'
import { createLogger } from '../../src/core/logger.ts'
import { Signals, type SignalMap } from '../../src/core/signals.ts'
import { AuthService } from '../../src/modules/auth/service.ts'
import { LoginThrottle } from '../../src/modules/auth/throttle.ts'
import { createTokenSigner } from '../../src/modules/auth/tokens.ts'
import { healthModule } from '../../src/modules/health/index.ts'
import { startServer } from '../../src/server.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { REDIS_URL, requireRedis, testPrefix } from '../support/redis.ts'
import { testConfig } from '../support/server.ts'
import { startTcpProxy } from '../support/tcp-proxy.ts'
import { waitFor } from '../support/wait.ts'
import { ensureAdmin } from '../../src/bootstrap.ts'

const hasRedis = await requireRedis('test/bus/cluster.test.ts')

let cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.reverse()) await c()
  cleanups = []
})

test('CCHUB_REDIS_URL with the SQLite store is refused at start, saying what to set', async () => {
  const config = testConfig({ redisUrl: 'redis://user:hunter2@127.0.0.1:6379' })
  cleanups.push(() => rmSync(config.dataDir, { recursive: true, force: true }))
  const err = await startServer(config, createLogger('silent')).then(
    () => null,
    (e: Error) => e,
  )
  expect(err?.message).toContain('CCHUB_DATABASE_URL')
  expect(err?.message).not.toContain('hunter2')
})

test('/health names the node from CCHUB_NODE_ID', async () => {
  const s = await startServer(testConfig({ nodeId: 'hub-7' }), createLogger('silent'))
  cleanups.push(() => s.stop())
  expect(await (await fetch(`${s.url}/health`)).json()).toMatchObject({ node_id: 'hub-7', status: 'ok' })
})

describe.skipIf(!hasRedis)('over Redis', () => {
  const openBus = async (url = REDIS_URL, channel = `${testPrefix()}control`): Promise<RedisBus> => {
    const bus = await openRedisBus(url, channel)
    cleanups.push(() => bus.close())
    return bus
  }

  test('/health reports the Redis bus down within its bound, and up again', async () => {
    const target = new URL(REDIS_URL)
    const proxy = startTcpProxy({ hostname: target.hostname, port: Number(target.port || 6379) })
    cleanups.push(() => proxy.stop())
    const bus = await openBus(`redis://127.0.0.1:${proxy.port}`)
    const store = openSqliteStore(':memory:')
    cleanups.push(() => store.close())
    const app = healthModule({
      store,
      version: 'x',
      startedAt: Date.now(),
      claude: async () => null,
      sandbox: { mode: 'off', reason: 'test' },
      nodeId: 'n1',
      bus,
      authenticated: async () => false,
    })
    const health = async () => (await app.handle(new Request('http://localhost/health'))).json()
    expect(await health()).toMatchObject({ status: 'ok', bus: { kind: 'redis', ok: true }, node_id: 'n1' })
    proxy.cut()
    const t0 = Date.now()
    await waitFor(async () => (await health()).bus.ok === false, 5000, 'bus ok: false')
    expect(await health()).toMatchObject({ status: 'degraded', db: 'ok' })
    expect(Date.now() - t0).toBeLessThan(5000)
    proxy.restore()
    await waitFor(async () => (await health()).bus.ok === true, 10_000, 'bus ok again')
  })

  test("a signal emitted on one node runs the other node's handlers once, and its own once", async () => {
    const channel = `${testPrefix()}control`
    const [a, b] = [new Signals(), new Signals()]
    relaySignals(a, await openBus(REDIS_URL, channel), 'a')
    relaySignals(b, await openBus(REDIS_URL, channel), 'b')
    const seen: string[] = []
    const on = (s: Signals, node: string) =>
      s.on('user-disabled', ({ userId }: SignalMap['user-disabled']) => seen.push(`${node}:${userId}`))
    on(a, 'a')
    on(b, 'b')
    a.emit('user-disabled', { userId: 'u1' })
    await waitFor(() => seen.includes('b:u1'), 3000, 'node b to hear it')
    b.emit('user-disabled', { userId: 'u2' })
    await waitFor(() => seen.includes('a:u2'), 3000, 'node a to hear it')
    expect(seen.sort()).toEqual(['a:u1', 'a:u2', 'b:u1', 'b:u2'])
  })

  test("a token revoked on node A stops working on node B, also when B's link was down at the time", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cchub-nodes-'))
    const store = openSqliteStore(join(dir, 'cchub.db'))
    cleanups.push(async () => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    })
    await ensureAdmin(store, 'admin', 'admin-password')
    const channel = `${testPrefix()}control`
    const target = new URL(REDIS_URL)
    const proxy = startTcpProxy({ hostname: target.hostname, port: Number(target.port || 6379) })
    cleanups.push(() => proxy.stop())
    const node = async (id: string, url: string) => {
      const signals = new Signals()
      const throttle = new LoginThrottle({ maxFailures: 5, windowMs: 60_000, trustTtlMs: 60_000 })
      const ttl = { accessTokenTtl: 900, refreshTokenTtl: 3600 }
      const auth = new AuthService(store, createTokenSigner('s'.repeat(40)), ttl, signals, throttle)
      await auth.init()
      const control = await openBus(url, channel)
      relaySignals(signals, control, id)
      control.onReconnect(() => void auth.catchUpRevocations())
      return auth
    }
    const a = await node('a', REDIS_URL)
    const b = await node('b', `redis://127.0.0.1:${proxy.port}`)
    const first = await a.login('admin', 'admin-password', '127.0.0.1')
    const p1 = await b.authenticateToken(first.access_token)
    await a.logout(await a.authenticateToken(first.access_token))
    await waitFor(() => b.isRevoked(p1.jti!), 3000, 'node B to learn the revocation')
    const second = await a.login('admin', 'admin-password', '127.0.0.1')
    const p2 = await b.authenticateToken(second.access_token)
    proxy.cut()
    await a.logout(await a.authenticateToken(second.access_token))
    expect(b.isRevoked(p2.jti!)).toBe(false)
    proxy.restore()
    await waitFor(() => b.isRevoked(p2.jti!), 10_000, 'node B to catch up from the store after reconnecting')
  })
})
