// REAL CLI + mock API: a server killed with -9 while a permission request waits — the next start marks it expired.
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { reply, startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.ts'
import { REAL_CLAUDE, requireRealCli } from '../support/real-cli.ts'
import { readyUrl, spawnServer, type ServerProcess } from '../support/server-process.ts'
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts'
import { ClientPool } from '../support/ws-client.ts'
import { waitFor } from '../execution/helpers.ts'

let a: ServerProcess | undefined
let b: TestServer | undefined
let mock: MockAnthropic | undefined
let dir: string | undefined
const pool = new ClientPool()

afterEach(async () => {
  await pool.closeAll()
  if (a && a.exitCode === null && a.signalCode === null) a.kill('SIGKILL')
  await a?.exited
  await b?.close()
  await mock?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
  a = b = mock = dir = undefined
})

describe.skipIf(!requireRealCli('permission restart (real CLI)'))('restart while a permission request waits', () => {
  test('kill -9 while waiting → after restart the request is expired (announced), the execution interrupted', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cchub-perm-restart-'))
    const dataDir = join(dir, 'data')
    mock = await startMockAnthropic()
    const cliEnv = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      ANTHROPIC_API_KEY: 'test',
      ANTHROPIC_BASE_URL: mock.url,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
    }
    a = spawnServer({
      ...cliEnv,
      CCHUB_PORT: '0',
      CCHUB_HOST: '127.0.0.1',
      CCHUB_DATA_DIR: dataDir,
      CCHUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CCHUB_LOG_LEVEL: 'error',
      CCHUB_CLAUDE_BIN: REAL_CLAUDE,
    })
    const url = await readyUrl(a)
    const call = async (path: string, token?: string, body?: unknown) =>
      (
        await fetch(url + path, {
          method: body === undefined ? 'GET' : 'POST',
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
      ).json() as Promise<any>
    const token = (await call('/api/v1/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD }))
      .access_token as string
    const ws = await call('/api/v1/workspaces', token, { name: 'w' })
    mock.enqueue(reply.toolUse('Write', { file_path: join(ws.path, 'x.txt'), content: 'x\n' }, { id: 'toolu_restart' }))
    const ex = await call('/api/v1/claude/execute', token, { workspace_id: ws.id, prompt: 'write' })
    let pending: any[] = []
    await waitFor(
      async () =>
        (pending = (await call(`/api/v1/claude/sessions/${ex.session_id}/permissions`, token)).permissions).length ===
        1,
      20_000,
      'the permission request',
    )
    expect((await call(`/api/v1/claude/executions/${ex.execution_id}`, token)).status).toBe('waiting_for_permission')

    a.kill('SIGKILL')
    await a.exited
    b = await startTestServer({ claudeBin: REAL_CLAUDE }, dataDir, cliEnv)
    const admin = await b.login()
    expect(
      await (await b.api(`/api/v1/claude/sessions/${ex.session_id}/permissions`, { token: admin })).json(),
    ).toMatchObject({ permissions: [] })
    expect(await b.services.store.permissions.byId(pending[0].request_id)).toMatchObject({
      status: 'expired',
      message: 'cchub restarted while this request was pending',
    })
    expect(await (await b.api(`/api/v1/claude/executions/${ex.execution_id}`, { token: admin })).json()).toMatchObject({
      status: 'interrupted',
      error: 'cchub restarted while this execution was waiting_for_permission',
    })
    const c = await pool.connect(`${b.wsUrl}?token=${encodeURIComponent(admin)}`)
    await c.subscribe(`task:${ex.execution_id}`, 0)
    await c.next(
      (m) =>
        m.type === 'permission_resolved' && m.data.status === 'expired' && m.data.request_id === pending[0].request_id,
      5000,
    )
    // answering it now is refused, naming cchub
    const late = await b.api(`/api/v1/claude/sessions/${ex.session_id}/permissions/${pending[0].request_id}`, {
      token: admin,
      body: { decision: 'allow' },
    })
    expect([late.status, ((await late.json()) as any).code]).toEqual([409, 'ALREADY_RESOLVED'])
  }, 60_000)
})
