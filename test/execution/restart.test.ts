// Restart after kill -9 (one execution running, one waiting): the next start marks both `interrupted`.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readyUrl, spawnServer, type ServerProcess } from '../support/server-process.ts'
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts'
import { ClientPool } from '../support/ws-client.ts'
import { FAKE_CLAUDE, RECORD, alive, cliProcess, descendants, ourZombies, recordOf, waitFor } from './helpers.ts'

// Each gets a reason, and that is published on the task channel.

let a: ServerProcess | undefined
let b: TestServer | undefined
let dir: string | undefined
const strays: number[] = []
const pool = new ClientPool()

afterEach(async () => {
  await pool.closeAll()
  if (a && a.exitCode === null && a.signalCode === null) a.kill('SIGKILL')
  await a?.exited
  a = undefined
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  await b?.close()
  b = undefined
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe('restart with executions in flight', () => {
  test('kill -9 during a running and a queued execution → after restart both are interrupted with a reason, announced on task:<id>', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cchub-exec-restart-'))
    const dataDir = join(dir, 'data')
    a = spawnServer({
      PATH: process.env.PATH ?? '',
      HOME: dir,
      CCHUB_PORT: '0',
      CCHUB_HOST: '127.0.0.1',
      CCHUB_DATA_DIR: dataDir,
      CCHUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CCHUB_LOG_LEVEL: 'error',
      CCHUB_CLAUDE_BIN: FAKE_CLAUDE,
      CCHUB_CLAUDE_MAX_CONCURRENT: '1',
      CCHUB_CLAUDE_ENV_ALLOW: 'FAKE_CLAUDE_MODE,FAKE_CLAUDE_RECORD',
      FAKE_CLAUDE_MODE: 'hang',
      FAKE_CLAUDE_RECORD: RECORD,
    })
    const url = await readyUrl(a, 'server A')
    const call = async (path: string, token?: string, body?: unknown) => {
      const res = await fetch(url + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return res.json() as Promise<any>
    }
    const token = (await call('/api/v1/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD }))
      .access_token as string
    const ws = await call('/api/v1/workspaces', token, { name: 'w' })
    const running = await call('/api/v1/claude/execute', token, { workspace_id: ws.id, prompt: 'hang forever' })
    const queued = await call('/api/v1/claude/execute', token, { workspace_id: ws.id, prompt: 'wait in line' })
    await waitFor(
      async () => (await call(`/api/v1/claude/executions/${running.execution_id}`, token)).status === 'running',
      10_000,
      'running',
    )
    expect(await call(`/api/v1/claude/executions/${queued.execution_id}`, token)).toMatchObject({
      status: 'queued',
      queue_position: 1,
    })
    const record = recordOf(ws.path)
    await waitFor(
      () => existsSync(record) && readFileSync(record, 'utf8').includes('"event":"start"'),
      5000,
      'the CLI to start',
    )
    // the server's child is bwrap; the CLI runs inside it (its recorded pid is one of its PID namespace)
    const root = descendants(a.pid).find((p) => p.ppid === a!.pid && p.args.includes('claude'))!.pid
    const cli = cliProcess(root)!.pid
    strays.push(root, cli)

    a.kill('SIGKILL')
    await a.exited
    // the sandbox dies with the server (--die-with-parent); start-up still has to recover the executions it left
    await waitFor(() => !alive(root) && !alive(cli), 5000, 'the sandboxed CLI to die with the server')

    b = await startTestServer({ claudeBin: FAKE_CLAUDE }, dataDir, { PATH: process.env.PATH, HOME: dir })
    const admin = await b.login()
    for (const [ex, was] of [
      [running, 'running'],
      [queued, 'queued'],
    ] as const) {
      const got = await (await b.api(`/api/v1/claude/executions/${ex.execution_id}`, { token: admin })).json()
      expect(got).toMatchObject({
        status: 'interrupted',
        error: `cchub restarted while this execution was ${was}`,
        queue_position: null,
      })
      expect(got.finished_at).not.toBeNull()
      // the task channel's history ends with the interrupted status (replayed to a late subscriber)
      const c = await pool.connect(
        `${b.wsUrl.replace(/\/ws$/, '')}/ws/executions/${ex.execution_id}?token=${encodeURIComponent(admin)}`,
      )
      const status = await c.next((m) => m.type === 'status' && m.data.status === 'interrupted', 5000)
      expect(status.channel).toBe(`task:${ex.execution_id}`)
      expect(status.data.error).toBe(got.error)
    }
    // the session is usable again: a new prompt on it is accepted and runs
    const again = await (
      await b.api('/api/v1/claude/execute', {
        token: admin,
        body: { workspace_id: ws.id, prompt: 'x', session_id: running.session_id },
      })
    ).json()
    expect(again.execution_id).toBeDefined()
    await waitFor(
      async () =>
        (await (await b!.api(`/api/v1/claude/executions/${again.execution_id}`, { token: admin })).json()).status ===
        'completed',
      10_000,
      'the new prompt to complete',
    )
    expect(ourZombies()).toEqual([])
  }, 30_000)
})
