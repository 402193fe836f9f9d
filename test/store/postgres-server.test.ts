// A real server on PostgreSQL: data survives a restart on the same database; an outage gives 503s and heals by itself.
import { afterEach, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { execute, startEnv, stopEnv, waitStatus, watch, type Env } from '../execution/helpers.ts'
import {
  freshDatabase,
  POSTGRES_ADMIN_URL,
  databaseUrl,
  requirePostgres,
  type TestDatabase,
} from '../support/postgres.ts'
import { REDIS_URL, testPrefix } from '../support/redis.ts'
import { startTestServer, type TestServer } from '../support/server.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts'
import { waitFor } from '../support/wait.ts'

const available = await requirePostgres('cchub on PostgreSQL')

let db: TestDatabase | undefined
let e: Env | undefined
let s: TestServer | undefined
let proxy: TcpProxy | undefined
const dirs: string[] = []
afterEach(async () => {
  await stopEnv(e)
  await s?.close()
  proxy?.stop()
  await db?.drop()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  ;[e, s, proxy, db] = [undefined, undefined, undefined, undefined]
})

/** The task channel of an execution as a fresh socket replays it: [seq, type] pairs. */
async function replayed(env: Env, executionId: string): Promise<[number, string][]> {
  const c = await watch(env, `/ws/executions/${executionId}`)
  await c.until(
    () => c.channelMessages(`task:${executionId}`).some((m) => m.type === 'status' && m.data.status === 'completed'),
    5000,
  )
  return c.channelMessages(`task:${executionId}`).map((m) => [m.seq as number, m.type as string])
}

describe.skipIf(!available)('cchub on PostgreSQL', () => {
  test('users, workspaces, an execution and its events are in PostgreSQL: a restart on the same database (new data dir) has them all', async () => {
    db = await freshDatabase()
    e = await startEnv({ cli: 'fake', config: { databaseUrl: db.url } })
    const bob = await e.s.createUser(e.admin, 'bob')
    const ex = await execute(e, { prompt: 'hello postgres' })
    expect(await waitStatus(e, ex.execution_id)).toMatchObject({ status: 'completed' })
    const before = await replayed(e, ex.execution_id)
    expect(before.map(([seq]) => seq)).toEqual(before.map((_, i) => i + 1))
    const health = (await (await e.s.api('/health')).json()) as Record<string, unknown>
    expect(health).toMatchObject({ status: 'ok', db: 'ok', store: { kind: 'postgres', ok: true } })

    dirs.push(e.s.dataDir, e.home)
    await stopEnv(e, { keepData: true })
    e = await startEnv({ cli: 'fake', config: { databaseUrl: db.url } })
    expect(e.s.services.store.kind).toBe('postgres')
    const users = (await (await e.s.api('/api/v1/users', { token: e.admin })).json()) as { users: { id: string }[] }
    expect(users.users.map((u) => u.id)).toContain(bob.id)
    const got = (await (await e.s.api(`/api/v1/claude/executions/${ex.execution_id}`, { token: e.admin })).json()) as {
      status: string
      session_id: string
    }
    expect(got).toMatchObject({ status: 'completed', session_id: ex.session_id })
    expect(await replayed(e, ex.execution_id)).toEqual(before)
  })

  test('PostgreSQL unreachable: 503 STORE_UNAVAILABLE and /health says store down, no crash; back: it heals, nothing acknowledged is lost', async () => {
    db = await freshDatabase()
    const target = new URL(POSTGRES_ADMIN_URL)
    proxy = startTcpProxy({ hostname: target.hostname, port: Number(target.port || 5432) })
    const viaProxy = new URL(databaseUrl(db.name))
    viaProxy.host = `127.0.0.1:${proxy.port}`
    s = await startTestServer({ databaseUrl: viaProxy.toString() })
    const admin = await s.login()
    const acked: string[] = []
    const create = async (name: string) => {
      const res = await s!.api('/api/v1/workspaces', { token: admin, body: { name } })
      if (res.status === 201) acked.push(((await res.json()) as { id: string }).id)
      return res
    }
    for (const n of ['a', 'b', 'c']) expect((await create(n)).status).toBe(201)

    // writes in flight when it goes: each is acknowledged (201) or refused (503), never anything else
    const inFlight = Promise.all(Array.from({ length: 10 }, (_, i) => create(`cut-${i}`)))
    proxy.cut()
    expect((await inFlight).map((r) => r.status).filter((st) => st !== 201 && st !== 503)).toEqual([])
    const down = await create('during')
    expect(down.status).toBe(503)
    expect(down.headers.get('retry-after')).toBe('5')
    expect(await down.json()).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining('database'),
    })
    expect((await s.api('/api/v1/workspaces', { token: admin })).status).toBe(503)
    const health = await s.api('/health')
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({
      status: 'degraded',
      db: 'error',
      store: { kind: 'postgres', ok: false },
    })

    proxy.restore()
    await waitFor(
      async () => (await s!.api('/api/v1/workspaces', { token: admin })).status === 200,
      10_000,
      'the store to heal',
    )
    expect((await create('after')).status).toBe(201)
    const list = (await (await s.api('/api/v1/workspaces?limit=100', { token: admin })).json()) as {
      workspaces: { id: string; name: string }[]
    }
    expect(list.workspaces.map((w) => w.id)).toEqual(expect.arrayContaining(acked))
    // a write whose commit landed just as the connection went may have been refused yet stored: only those may be extra
    const extra = list.workspaces.filter((w) => !acked.includes(w.id))
    expect(extra.filter((w) => !w.name.startsWith('cut-'))).toEqual([])
    expect(await (await s.api('/health')).json()).toMatchObject({ status: 'ok', store: { kind: 'postgres', ok: true } })
  })

  test('a second cchub on the same database without CCHUB_REDIS_URL is refused at start, and so is a node with Redis beside it; once the first stops, one starts', async () => {
    db = await freshDatabase()
    s = await startTestServer({ databaseUrl: databaseUrl(db.name) })
    await expect(startTestServer({ databaseUrl: databaseUrl(db.name) })).rejects.toThrow(
      'another cchub already runs on this database: several nodes need CCHUB_REDIS_URL on every node',
    )
    await expect(
      startTestServer({ databaseUrl: databaseUrl(db.name), redisUrl: REDIS_URL, redisPrefix: testPrefix() }),
    ).rejects.toThrow('another cchub runs on this database without CCHUB_REDIS_URL')
    await s.close()
    s = await startTestServer({ databaseUrl: databaseUrl(db.name) })
    expect((await s.api('/health')).status).toBe(200)
  })
})
