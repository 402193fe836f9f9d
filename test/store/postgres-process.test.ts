// A cchub process on PostgreSQL survives an outage in the middle of an execution and runs the next one when it is back.
import { afterEach, describe, expect, test } from 'bun:test'
import { FAKE_CLAUDE, FAKE_VARS } from '../../bench/lib/targets.ts'
import { api, json, startServerChild, type Target } from '../reliability/helpers.ts'
import {
  databaseUrl,
  freshDatabase,
  POSTGRES_ADMIN_URL,
  requirePostgres,
  type TestDatabase,
} from '../support/postgres.ts'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts'
import { waitFor } from '../support/wait.ts'

const available = await requirePostgres('cchub process through a PostgreSQL outage')

let db: TestDatabase | undefined
let proxy: TcpProxy | undefined
let node: Target | undefined
afterEach(async () => {
  await node?.stop()
  proxy?.stop()
  await db?.drop()
  ;[node, proxy, db] = [undefined, undefined, undefined]
})

describe.skipIf(!available)('cchub process on PostgreSQL', () => {
  test('PostgreSQL gone while an execution streams: the process stays up, answers 503, finishes the run once it is back and runs the next', async () => {
    db = await freshDatabase()
    const target = new URL(POSTGRES_ADMIN_URL)
    proxy = startTcpProxy({ hostname: target.hostname, port: Number(target.port || 5432) })
    const url = new URL(databaseUrl(db.name))
    url.host = `127.0.0.1:${proxy.port}`
    node = await startServerChild({
      env: { FAKE_CLAUDE_MODE: 'slow', FAKE_CLAUDE_LINES: '40', FAKE_CLAUDE_DELAY_MS: '25' },
      // one execution at a time: a slot the failed run kept would block the next one for good
      flags: [
        ...['--database-url', url.toString(), '--claude-max-concurrent', '1', '--claude-process-idle-ttl', '1'],
        ...['--claude-bin', FAKE_CLAUDE, '--claude-env-allow', FAKE_VARS.join(',')],
      ],
    })
    const n = node
    const ws = await json<{ id: string }>(api(n, '/api/v1/workspaces', { body: { name: 'w' } }))
    const run = (prompt: string) =>
      json<{ execution_id: string }>(api(n, '/api/v1/claude/execute', { body: { workspace_id: ws.id, prompt } }))
    const status = async (id: string) =>
      (await json<{ status: string }>(api(n, `/api/v1/claude/executions/${id}`))).status
    const first = await run('streams through the outage')
    await waitFor(async () => (await status(first.execution_id)) === 'running', 10_000, 'the first execution to run')

    proxy.cut()
    const refused = await api(n, '/api/v1/workspaces')
    expect([refused.status, (await refused.json()).code]).toEqual([503, 'STORE_UNAVAILABLE'])
    // the process stays up; the run's events and bookkeeping wait in memory and are retried (the CLI is slowed, not
    // stopped), so once the store is back the first execution ends with its true status
    expect((await fetch(`${n.url}/health`)).status).toBe(200)
    proxy.restore()
    await waitFor(async () => (await api(n, '/api/v1/workspaces')).status === 200, 10_000, 'the store to heal')
    await waitFor(async () => (await status(first.execution_id)) === 'completed', 20_000, 'the first run to complete')
    const second = await run('after the outage')
    await waitFor(
      async () => (await status(second.execution_id)) === 'completed',
      20_000,
      'the next execution to complete',
    )
  })
})
