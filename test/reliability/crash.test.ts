// Crash: kill -9 of the server mid-publish and mid-execution, then a restart on the same data directory.
import { Database } from 'bun:sqlite'
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FAKE_CLAUDE, FAKE_VARS } from '../../bench/lib/targets.ts'
import { descendants } from '../execution/helpers.ts'
import { ResumingClient, api, json, startServerChild, type Target } from './helpers.ts'
import { expectSeqs } from '../support/seqs.ts'
import { waitFor } from '../support/wait.ts'

// The server publishes durable events and runs a (fake) CLI execution when killed. Every acknowledged event (emit
// resolved) is in the log, gap-free; the database passes PRAGMA integrity_check; the execution shows `interrupted`; a
// client that was watching recovers by replay with since.

const dir = mkdtempSync(join(tmpdir(), 'cchub-crash-'))
const dataDir = join(dir, 'data')
const servers: Target[] = []
const strays: number[] = []

afterAll(async () => {
  for (const s of servers) await s.child.kill9().catch(() => {})
  // without a sandbox the CLI runs detached (its own process group): a server killed with -9 cannot take it along
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
  rmSync(dir, { recursive: true, force: true })
})

const start = () =>
  startServerChild({
    dataDir,
    env: { FAKE_CLAUDE_MODE: 'slow', FAKE_CLAUDE_LINES: '2000', FAKE_CLAUDE_DELAY_MS: '10' },
    flags: ['--claude-bin', FAKE_CLAUDE, '--claude-env-allow', FAKE_VARS.join(',')],
    name: `cchub-${servers.length}`,
  }).then((s) => (servers.push(s), s))

test('kill -9 during publishing and a running execution: acknowledged events kept, clean DB, execution interrupted, client replays', async () => {
  const a = await start()
  const { session_ids, workspace_id } = await a.child.request('setup', { sessions: 1 })
  const channel = `session:${session_ids[0]}`

  // a running execution (the slow fake CLI prints a line every 10 ms for 20 s)
  const ex = await json(api(a, '/api/v1/claude/execute', { body: { workspace_id, prompt: 'keep going' } }))
  await waitFor(
    async () => (await json(api(a, `/api/v1/claude/executions/${ex.execution_id}`))).status === 'running',
    10_000,
    'execution to run',
  )

  // a watcher on the published channel, and a publisher acknowledging each event as it is stored
  const watcher = new ResumingClient(a, channel)
  await watcher.connect()
  await a.child.request('startStream', { name: 'crash', channel, everyMs: 1, perTick: 4 })
  await waitFor(() => a.child.events.filter((e) => e.stream === 'crash').length >= 400, 10_000, 'acknowledged events')
  await waitFor(() => watcher.last >= 100, 5000, 'the watcher to receive events')

  strays.push(...descendants(a.pid).map((p) => p.pid))
  await a.child.kill9()
  const acked = a.child.events.filter((e) => e.stream === 'crash').map((e) => e.acked as number)
  expect(acked.length).toBeGreaterThanOrEqual(400)
  const seenBefore = watcher.last
  watcher.ws?.destroy()

  // the database as the crash left it: opens clean, and holds every acknowledged event, gap-free from 1
  {
    const db = new Database(join(dataDir, 'cchub.db'))
    expect(db.query<{ integrity_check: string }, []>('PRAGMA integrity_check').all()).toEqual([
      { integrity_check: 'ok' },
    ])
    const seqs = db
      .query<{ seq: number }, { ch: string }>('SELECT seq FROM events WHERE channel = $ch ORDER BY seq')
      .all({ ch: channel })
      .map((r) => r.seq)
    const kept = new Set(seqs)
    const missing = acked.filter((s) => !kept.has(s))
    expect(missing).toEqual([])
    expectSeqs(seqs, 0, { through: seqs.length, what: 'stored seqs' })
    expect(seqs.length).toBeGreaterThanOrEqual(Math.max(...acked))
    db.close()
  }

  // restart on the same directory
  const b = await start()
  const after = await json(api(b, `/api/v1/claude/executions/${ex.execution_id}`))
  expect(after.status).toBe('interrupted')
  expect(String(after.error)).toContain('restarted')

  // the watcher comes back with since = its last seq and gets exactly the rest, in order
  const resumed = new ResumingClient(b, channel)
  resumed.last = seenBefore
  await resumed.connect()
  const head = (await b.child.request('emit', { channel })).seq as number
  await waitFor(() => resumed.last >= head, 5000, 'the resumed client to reach the head')
  expectSeqs(resumed.seqs, seenBefore, { through: head, what: 'resumed client' })
  resumed.ws?.close()
  await b.stop()
}, 60_000)
