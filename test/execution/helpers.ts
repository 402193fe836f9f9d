// Execution-suite helpers: real server, real CLI + mock API or fake CLI, REST, WebSocket watching, process checks.
import { expect } from 'bun:test'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { REAL_CLAUDE } from '../support/real-cli.ts'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Config } from '../../src/config/schema.ts'
import type { Clock } from '../../src/core/clock.ts'
import { conversationText, startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.ts'

export { conversationText }
import { startTestServer, type TestServer } from '../support/server.ts'
import { ClientPool, waitFor, type WsClient, type WsMsg } from '../support/ws-client.ts'

export const FAKE_CLAUDE = resolve(import.meta.dir, '../support/fake-claude')

/** Variables the fake CLI reads; they must be allow-listed because the server filters the CLI env. */
export const FAKE_VARS = [
  'FAKE_CLAUDE_MODE',
  'FAKE_CLAUDE_LINES',
  'FAKE_CLAUDE_DELAY_MS',
  'FAKE_CLAUDE_STARTUP_MS',
  'FAKE_CLAUDE_RECORD',
  'FAKE_CLAUDE_SAMPLE',
  'FAKE_CLAUDE_CHILD',
  'FAKE_CLAUDE_IGNORE_INTERRUPT',
  'FAKE_CLAUDE_IGNORE_SIGTERM',
]

/**
 * FAKE_CLAUDE_RECORD for the fake CLI: relative, so it lands in the CLI's cwd. The workspace is the one place both the
 * sandboxed CLI (private /tmp, no data dir) and the test can see; read it with recordOf(workspacePath).
 */
export const RECORD = '.fake-claude-record.jsonl'
export const recordOf = (workspacePath: string): string => join(workspacePath, RECORD)

export const TERMINAL = ['completed', 'failed', 'cancelled', 'timed_out', 'interrupted'] as const

export interface Env {
  s: TestServer
  mock: MockAnthropic | null
  home: string
  admin: string
  adminId: string
  workspaceId: string
  workspacePath: string
  pool: ClientPool
  /** What the CLI processes inherit (before the server filters it). */
  cliEnv: Record<string, string | undefined>
}

export interface EnvOptions {
  /** 'real' = node_modules/.bin/claude against a fresh mock API; 'fake' = test/support/fake-claude. */
  cli: 'real' | 'fake'
  config?: Partial<Config>
  /** Extra variables in the environment the server hands (filtered) to the CLI. */
  env?: Record<string, string>
  dataDir?: string
  /** The server's clock (a ManualClock where time is the subject); the system clock by default. */
  clock?: Clock
}

/** Starts mock (for the real CLI), temp HOME, server, logs the admin in and creates a workspace. */
export async function startEnv(o: EnvOptions): Promise<Env> {
  const home = mkdtempSync(join(tmpdir(), 'cchub-exec-home-'))
  const mock = o.cli === 'real' ? await startMockAnthropic({ logUnknown: true }) : null
  const cliEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: home,
    ANTHROPIC_API_KEY: 'test',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
    ...(mock ? { ANTHROPIC_BASE_URL: mock.url } : {}),
    ...o.env,
  }
  const config: Partial<Config> = {
    claudeBin: o.cli === 'real' ? REAL_CLAUDE : FAKE_CLAUDE,
    claudeEnvAllowList: o.cli === 'fake' ? FAKE_VARS : [],
    claudeKillGrace: 1,
    ...o.config,
  }
  let s: TestServer
  try {
    s = await startTestServer(config, o.dataDir, cliEnv, o.clock ? { clock: o.clock } : {})
  } catch (err) {
    await mock?.stop()
    rmSync(home, { recursive: true, force: true })
    throw err
  }
  const admin = await s.login()
  const adminId = await userIdOf(s, admin)
  const ws = await createWorkspace(s, admin)
  return { s, mock, home, admin, adminId, workspaceId: ws.id, workspacePath: ws.path, pool: new ClientPool(), cliEnv }
}

/** Closes sockets, stops the server (which kills every CLI process it owns), the mock, and removes temp dirs. */
export async function stopEnv(e: Env | undefined, opts: { keepData?: boolean } = {}): Promise<void> {
  if (!e) return
  await e.pool.closeAll()
  await e.s.close(opts).catch(() => {})
  await e.mock?.stop()
  if (!opts.keepData) rmSync(e.home, { recursive: true, force: true })
}

export async function userIdOf(s: TestServer, token: string): Promise<string> {
  const res = await s.api('/api/v1/users/me', { token })
  expect(res.status).toBe(200)
  return ((await res.json()) as { id: string }).id
}

export async function createWorkspace(s: TestServer, token: string, name = 'w'): Promise<{ id: string; path: string }> {
  const res = await s.api('/api/v1/workspaces', { token, body: { name } })
  expect(res.status).toBe(201)
  return (await res.json()) as { id: string; path: string }
}

export async function addMember(e: Env, userId: string, role: 'viewer' | 'collaborator'): Promise<void> {
  const res = await e.s.api(`/api/v1/workspaces/${e.workspaceId}/members/${userId}`, {
    method: 'PUT',
    token: e.admin,
    body: { session_role: role },
  })
  expect(res.status).toBeLessThan(300)
}

export interface ExecuteReply {
  execution_id: string
  session_id: string
  status: string
  queue_position: number | null
  websocket_url: string
}

export async function execute(e: Env, body: Record<string, unknown>, token = e.admin): Promise<ExecuteReply> {
  const res = await e.s.api('/api/v1/claude/execute', { token, body: { workspace_id: e.workspaceId, ...body } })
  const text = await res.text()
  if (res.status !== 202) throw new Error(`execute answered ${res.status}: ${text}`)
  return JSON.parse(text) as ExecuteReply
}

export async function getExecution(e: Env, id: string, token = e.admin): Promise<any> {
  const res = await e.s.api(`/api/v1/claude/executions/${id}`, { token })
  expect(res.status).toBe(200)
  return res.json()
}

/** Polls GET execution until its status is one of `statuses` (default: any terminal one). */
export async function waitStatus(
  e: Env,
  id: string,
  statuses: readonly string[] = TERMINAL,
  timeoutMs = 20_000,
): Promise<any> {
  let last: any
  await waitFor(
    async () => statuses.includes((last = await getExecution(e, id)).status),
    timeoutMs,
    () => `execution ${id} to reach ${statuses.join('|')}; last: ${JSON.stringify(last).slice(0, 800)}`,
  )
  return last
}

/** Opens /ws/executions/<id>?token= and waits for the auto-subscribe success. */
export async function watch(e: Env, websocketUrl: string, token = e.admin): Promise<WsClient> {
  const c = await e.pool.connect(`${e.s.url.replace(/^http/, 'ws')}${websocketUrl}?token=${encodeURIComponent(token)}`)
  await c.next((m) => m.type === 'success' && m.data?.action === 'subscribe', 5000)
  return c
}

/** An authenticated /ws socket (no channels yet). */
export async function socket(e: Env, token = e.admin): Promise<WsClient> {
  const c = await e.pool.connect(`${e.s.wsUrl}?token=${encodeURIComponent(token)}`)
  await c.next((m) => m.type === 'connected', 3000)
  return c
}

export function statusesOf(msgs: WsMsg[]): string[] {
  return msgs.filter((m) => m.type === 'status').map((m) => m.data.status)
}

/** Waits until the socket has seen a terminal status message for the execution. */
export async function untilTerminal(c: WsClient, executionId: string, timeoutMs = 20_000): Promise<WsMsg> {
  return c.next(
    (m) =>
      m.type === 'status' &&
      m.data?.execution_id === executionId &&
      (TERMINAL as readonly string[]).includes(m.data.status),
    timeoutMs,
  )
}

/** Raw CLI events relayed in `event` frames. */
export function cliEvents(msgs: WsMsg[]): any[] {
  return msgs.filter((m) => m.type === 'event').map((m) => m.data.event)
}

// ---- processes ----------------------------------------------------------------------------------

export interface ProcRow {
  pid: number
  ppid: number
  pgid: number
  /** Session id (setsid): the CLI is spawned detached, so it leads its own session. */
  sid: number
  stat: string
  comm: string
  args: string
}

/** The process table from /proc (pid, ppid, process group, state, name, command line). */
export function processTable(): ProcRow[] {
  const rows: ProcRow[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // comm may contain spaces and parens: take the text between the first "(" and the last ")"
      const open = stat.indexOf('(')
      const close = stat.lastIndexOf(')')
      const comm = stat.slice(open + 1, close)
      const rest = stat.slice(close + 2).split(' ')
      let args = ''
      try {
        args = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()
      } catch {
        // zombies have no cmdline
      }
      rows.push({
        pid: Number(name),
        ppid: Number(rest[1]),
        pgid: Number(rest[2]),
        sid: Number(rest[3]),
        stat: rest[0]!,
        comm,
        args,
      })
    } catch {
      // the process went away while we read
    }
  }
  return rows
}

/** Processes (alive or zombie) in process group `pgid`. */
export function groupMembers(pgid: number): ProcRow[] {
  return processTable().filter((p) => p.pgid === pgid)
}

/** Zombie children of this test process. */
export function ourZombies(): ProcRow[] {
  return processTable().filter((p) => p.ppid === process.pid && p.stat === 'Z')
}

/** Live CLI process ids the engine holds (SessionProcess.pid of every kept or retiring process). */
export function enginePids(e: Env): number[] {
  const { pool } = e.s.services.engine
  return [...pool.processes.values(), ...pool.retiring].map((p) => p.pid)
}

export { waitFor }

/** Live (not zombie) descendants of `root` by parent links. */
export function descendants(root: number): ProcRow[] {
  const table = processTable()
  const out: ProcRow[] = []
  const todo = [root]
  while (todo.length) {
    const pid = todo.pop()!
    for (const p of table) if (p.ppid === pid && p.stat !== 'Z') out.push(p), todo.push(p.pid)
  }
  return out
}

/**
 * The CLI process the engine process `root` stands for, as the host sees it: `root` itself, or (sandboxed) the process
 * bwrap runs. The fake records its pid from inside its PID namespace, which means nothing out here.
 */
export function cliProcess(root: number): ProcRow | undefined {
  const self = processTable().filter((p) => p.pid === root && p.stat !== 'Z')
  return [...self, ...descendants(root)].find((p) => p.comm !== 'bwrap' && p.args.includes('claude'))
}

/** True while the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  const row = processTable().find((p) => p.pid === pid)
  return row !== undefined && row.stat !== 'Z'
}
