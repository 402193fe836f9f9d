// PostgreSQL or Redis away for seconds while an execution streams: /health (and 503s) say so; afterwards nothing is missing or doubled.
import { afterEach, describe, expect, test } from 'bun:test'
import { execute, startEnv, stopEnv, waitStatus, watch, type Env } from '../execution/helpers.ts'
import {
  databaseUrl,
  freshDatabase,
  POSTGRES_ADMIN_URL,
  requirePostgres,
  type TestDatabase,
} from '../support/postgres.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { proxiedRedis, requireRedis, testPrefix } from '../support/redis.ts'
import { expectSeqs } from '../support/seqs.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts'
import { waitFor } from '../support/wait.ts'
import type { WsMsg } from '../support/ws-client.ts'

const available = await requirePostgres('test/reliability/outage.test.ts')
const hasRedis = await requireRedis('test/reliability/outage.test.ts')
/** The fake CLI's answer: 40 deltas 100 ms apart, so the run outlasts the start of a cut. */
const SLOW = { FAKE_CLAUDE_MODE: 'slow', FAKE_CLAUDE_LINES: '40', FAKE_CLAUDE_DELAY_MS: '100' }

let db: TestDatabase | undefined
let e: Env | undefined
let far: Env | undefined
let proxy: TcpProxy | undefined
afterEach(async () => {
  await stopEnv(far)
  await stopEnv(e)
  proxy?.stop()
  await db?.drop()
  ;[e, far, proxy, db] = [undefined, undefined, undefined, undefined]
})

/**
 * A server on a fresh database reached through a cuttable proxy, whose CLI streams an answer of 40 deltas 100 ms
 * apart: the fake CLI, or the real one against the mock Messages API.
 */
async function startBehindProxy(cli: 'fake' | 'real'): Promise<Env> {
  db = await freshDatabase()
  const target = new URL(POSTGRES_ADMIN_URL)
  proxy = startTcpProxy({ hostname: target.hostname, port: Number(target.port || 5432) })
  const url = new URL(databaseUrl(db.name))
  url.host = `127.0.0.1:${proxy.port}`
  const env = await startEnv({
    cli,
    config: { databaseUrl: url.toString() },
    env: SLOW,
  })
  env.mock?.enqueue(reply.text('word '.repeat(40), { chunks: 40, delayMs: 100 }))
  return env
}

/** What a client can tell of the transcript: [seq, type] of the task channel, and the streamed text. */
function transcript(msgs: WsMsg[]) {
  return {
    frames: msgs.map((m) => [m.seq as number, m.type as string]),
    text: msgs
      .filter((m) => m.type === 'stream')
      .map((m) => m.data.text)
      .join(''),
    answer: msgs.find((m) => m.type === 'event' && m.data.event.type === 'assistant')?.data.event.message.content[0]
      .text,
  }
}

const completedOn = (msgs: WsMsg[]) => msgs.some((m) => m.type === 'status' && m.data.status === 'completed')
const health = async (env: Env) => (await env.s.api('/health')).json() as Promise<any>
/** The session's CLI has printed its result: the whole turn has been read (and emitted). */
const turnDone = (env: Env, sessionId: string) =>
  waitFor(() => env.s.services.engine.liveProcess(sessionId)?.state === 'idle', 15_000, 'the CLI to finish its turn')

describe.skipIf(!available)('PostgreSQL restarting under load', () => {
  const clis = requireRealCli('test/reliability/outage.test.ts (real CLI)') ? ['fake', 'real'] : ['fake']
  test.each(clis as ('fake' | 'real')[])(
    '%s CLI: cut while an execution streams (its end falls in the outage): REST 503s, /health down then up; afterwards it is completed with every event once, in order',
    async (cli) => {
      e = await startBehindProxy(cli)
      const env = e
      const ex = await execute(env, { prompt: 'stream through the outage' })
      const channel = `task:${ex.execution_id}`
      const live = await watch(env, ex.websocket_url)
      await live.until(() => live.channelMessages(channel).some((m) => m.type === 'stream'), 10_000, 'streaming')

      proxy!.cut()
      const refused = await env.s.api('/api/v1/workspaces', { token: env.admin })
      expect(refused.status).toBe(503)
      expect(await refused.json()).toMatchObject({ code: 'STORE_UNAVAILABLE' })
      expect(await health(env)).toMatchObject({
        status: 'degraded',
        store: { kind: 'postgres', ok: false },
      })
      // the CLI prints the rest of its answer and its result while the database is away: all of it waits in memory
      const process = () => env.s.services.engine.liveProcess(ex.session_id)
      await waitFor(() => process()?.state === 'idle', 15_000, 'the CLI to finish its turn during the outage')
      expect(env.s.services.log.bufferedBytes).toBeGreaterThan(0)
      expect(completedOn(live.channelMessages(channel))).toBe(false)

      proxy!.restore()
      await waitFor(async () => (await health(env)).store.ok === true, 15_000, '/health to report the store up')
      expect(await waitStatus(env, ex.execution_id, ['completed'], 15_000)).toMatchObject({ status: 'completed' })
      await live.until(() => completedOn(live.channelMessages(channel)), 10_000, 'the final status, live')

      const seen = transcript(live.channelMessages(channel))
      expectSeqs(
        seen.frames.map(([seq]) => seq as number),
        0,
        { through: seen.frames.length, what: 'live task channel' },
      )
      expect(seen.text).toBe(seen.answer)
      expect(seen.text.length).toBeGreaterThan(0)
      expect(env.s.services.log.bufferedBytes).toBe(0)
      // a client arriving now replays from the store exactly what the live one saw
      const late = await watch(env, ex.websocket_url)
      await late.until(() => completedOn(late.channelMessages(channel)), 10_000, 'the replay to reach the end')
      expect(transcript(late.channelMessages(channel))).toEqual(seen)
    },
    60_000,
  )
  test('stopped while the database is away: the stop ends within its bounds; the next start marks the execution interrupted', async () => {
    e = await startBehindProxy('fake')
    const env = e
    const ex = await execute(env, { prompt: 'stop during the outage' })
    const live = await watch(env, ex.websocket_url)
    await live.until(() => live.channelMessages(`task:${ex.execution_id}`).some((m) => m.type === 'stream'), 10_000)
    proxy!.cut()
    await turnDone(env, ex.session_id)
    const t0 = Date.now()
    await env.s.close()
    const took = Date.now() - t0
    await stopEnv(env)
    e = undefined
    // engine grace, request grace and event-log grace (2 s each in tests), and the CLI's kill
    expect(took).toBeLessThan(10_000)

    proxy!.restore()
    e = await startEnv({ cli: 'fake', config: { databaseUrl: db!.url } })
    expect(await waitStatus(e, ex.execution_id)).toMatchObject({
      status: 'interrupted',
      error: expect.stringContaining('restarted'),
    })
  }, 60_000)
})

describe.skipIf(!available || !hasRedis)('Redis restarting under load, two nodes', () => {
  test('a client on node B follows an execution on node A through a Redis cut: /health says bus down then up; B gets every event once, in order', async () => {
    db = await freshDatabase()
    const redis = proxiedRedis()
    proxy = redis.proxy
    const shared = { databaseUrl: db.url, redisUrl: redis.url, redisPrefix: testPrefix() }
    e = await startEnv({ cli: 'fake', config: { ...shared, nodeId: 'node-a' }, env: SLOW })
    far = await startEnv({ cli: 'fake', config: { ...shared, nodeId: 'node-b' }, env: SLOW })
    const [a, b] = [e, far]
    const ex = await execute(a, { prompt: 'stream through the Redis outage' })
    const channel = `task:${ex.execution_id}`
    const follower = await watch(b, ex.websocket_url)
    await follower.until(() => follower.channelMessages(channel).some((m) => m.type === 'stream'), 10_000, 'streaming')

    proxy.cut()
    await waitFor(async () => (await health(b)).bus.ok === false, 5000, "B's /health to report the bus down")
    expect(await health(b)).toMatchObject({ status: 'degraded', bus: { kind: 'redis', ok: false } })
    // A goes on storing: the run ends while B hears nothing of it
    await turnDone(a, ex.session_id)
    expect(await waitStatus(a, ex.execution_id, ['completed'], 15_000)).toMatchObject({ status: 'completed' })
    expect(completedOn(follower.channelMessages(channel))).toBe(false)

    proxy.restore()
    await waitFor(async () => (await health(b)).bus.ok === true, 15_000, "B's /health to report the bus up")
    await follower.until(() => completedOn(follower.channelMessages(channel)), 15_000, 'B to catch up from the store')
    const seen = transcript(follower.channelMessages(channel))
    expectSeqs(
      seen.frames.map(([seq]) => seq as number),
      0,
      { through: seen.frames.length, what: "B's task channel" },
    )
    expect(seen.text).toBe(seen.answer)
    const onA = await watch(a, ex.websocket_url)
    await onA.until(() => completedOn(onA.channelMessages(channel)), 10_000, "A's replay to reach the end")
    expect(transcript(onA.channelMessages(channel))).toEqual(seen)
  }, 60_000)
})
