// PostgreSQL away for seconds while an execution streams: 503s and /health say so; afterwards nothing is missing or doubled.
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
import { expectSeqs } from '../support/seqs.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts'
import { waitFor } from '../support/wait.ts'
import type { WsMsg } from '../support/ws-client.ts'

const available = await requirePostgres('test/reliability/store-outage.test.ts')

let db: TestDatabase | undefined
let e: Env | undefined
let proxy: TcpProxy | undefined
afterEach(async () => {
  await stopEnv(e)
  proxy?.stop()
  await db?.drop()
  ;[e, proxy, db] = [undefined, undefined, undefined]
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
    env: { FAKE_CLAUDE_MODE: 'slow', FAKE_CLAUDE_LINES: '40', FAKE_CLAUDE_DELAY_MS: '100' },
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

describe.skipIf(!available)('PostgreSQL restarting under load', () => {
  const clis = requireRealCli('test/reliability/store-outage.test.ts (real CLI)') ? ['fake', 'real'] : ['fake']
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
      expect(await (await env.s.api('/health')).json()).toMatchObject({
        status: 'degraded',
        store: { kind: 'postgres', ok: false },
      })
      // the CLI prints the rest of its answer and its result while the database is away: all of it waits in memory
      const process = () => env.s.services.engine.liveProcess(ex.session_id)
      await waitFor(() => process()?.state === 'idle', 15_000, 'the CLI to finish its turn during the outage')
      expect(env.s.services.log.bufferedBytes).toBeGreaterThan(0)
      expect(completedOn(live.channelMessages(channel))).toBe(false)

      proxy!.restore()
      await waitFor(
        async () => (await env.s.api('/health').then((r) => r.json())).store.ok === true,
        15_000,
        '/health to report the store up',
      )
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
})
