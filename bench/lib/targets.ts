// Starting the servers under test (cchub and the peers) and the load worker, each as its own process on 127.0.0.1.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { BUN, Child, NODE, ROOT } from './proc.ts'

export type Kind = 'cchub' | 'bun' | 'node'
export const ADMIN_PASSWORD = 'bench-admin-password'
export const FAKE_CLAUDE = resolve(ROOT, 'test/support/fake-claude')
export const FAKE_VARS = [
  'FAKE_CLAUDE_MODE',
  'FAKE_CLAUDE_LINES',
  'FAKE_CLAUDE_STAMP',
  'FAKE_CLAUDE_DELAY_MS',
  'FAKE_CLAUDE_STARTUP_MS',
  'FAKE_CLAUDE_RECORD',
  'FAKE_CLAUDE_HUGE_BYTES',
  'FAKE_CLAUDE_CHILD',
  'FAKE_CLAUDE_IGNORE_INTERRUPT',
  'FAKE_CLAUDE_IGNORE_SIGTERM',
]

export interface Target {
  kind: Kind | string
  child: Child
  port: number
  url: string
  pid: number
  /** cchub: an admin access token; peers: ''. */
  token: string
  dataDir: string | null
  /** WebSocket path with credentials. */
  wsPath: string
  stop(): Promise<void>
}

export interface CchubOptions {
  flags?: string[]
  env?: Record<string, string>
  /** Keep and reuse this data directory (crash/restart tests); a temp one otherwise, removed on stop. */
  dataDir?: string
  keepData?: boolean
  /** Write a CPU profile (markdown) of the server into this directory on exit. */
  profileDir?: string
  nofile?: number
  name?: string
}

export async function login(url: string, username = 'admin', password = ADMIN_PASSWORD): Promise<string> {
  const r = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`)
  return ((await r.json()) as { access_token: string }).access_token
}

/** cchub in bench/server-child.ts: the real server with its CLI flags, in its own process, on a free port. */
export async function startCchub(o: CchubOptions = {}): Promise<Target> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'cchub-bench-'))
  const prof = o.profileDir
    ? (mkdirSync(o.profileDir, { recursive: true }), ['--cpu-prof-md', `--cpu-prof-dir=${o.profileDir}`])
    : []
  const child = new Child(
    [
      BUN,
      ...prof,
      'bench/server-child.ts',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--admin-password',
      ADMIN_PASSWORD,
      '--log-level',
      'silent',
      '--ws-max-connections',
      '100000',
      '--ws-max-connections-per-user',
      '100000',
      '--access-token-ttl',
      '86400',
      ...(o.flags ?? []),
    ],
    { name: o.name ?? 'cchub', env: o.env, nofile: o.nofile },
  )
  let ready
  try {
    ready = await child.ready
  } catch (err) {
    if (!o.dataDir && !o.keepData) rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
  const url = String(ready.url)
  const token = await login(url)
  return {
    kind: 'cchub',
    child,
    port: Number(ready.port),
    url,
    pid: child.pid,
    token,
    dataDir,
    wsPath: `/ws?token=${encodeURIComponent(token)}`,
    async stop() {
      await child.stop(10_000)
      if (!o.dataDir && !o.keepData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A peer server in its own process (it prints its port); `wsPath` is '' for peers without a WebSocket hub. */
export async function startPeer(
  kind: string,
  cmd: string[],
  o: { nofile?: number; env?: Record<string, string>; name?: string; wsPath?: string } = {},
): Promise<Target> {
  const child = new Child(cmd, { name: o.name ?? kind, nofile: o.nofile, ...(o.env ? { env: o.env } : {}) })
  const ready = await child.ready
  return {
    kind,
    child,
    port: Number(ready.port),
    url: String(ready.url),
    pid: child.pid,
    token: '',
    dataDir: null,
    wsPath: o.wsPath ?? '/ws',
    async stop() {
      await child.stop(5000)
    },
  }
}

export const startBunPeer = (nofile?: number) =>
  startPeer('bun', [BUN, 'bench/peers/bun-pubsub.ts', '--port', '0'], { nofile })
export const startNodePeer = (nofile?: number) =>
  startPeer('node', [NODE, '--expose-gc', 'bench/peers/node-ws-hub.mjs', '--port', '0'], { nofile })

export function startTarget(kind: Kind, cchub: CchubOptions = {}): Promise<Target> {
  if (kind === 'cchub') return startCchub(cchub)
  if (kind === 'bun') return startBunPeer(cchub.nofile)
  return startNodePeer(cchub.nofile)
}

export async function startWorker(nofile?: number): Promise<Child> {
  const w = new Child([BUN, 'bench/worker.ts'], { name: 'worker', nofile })
  await w.ready
  return w
}

/** Runs `fn` with the target and a worker, stopping both whatever happens. */
export async function withTarget<T>(
  start: () => Promise<Target>,
  fn: (t: Target, w: Child) => Promise<T>,
  nofile?: number,
): Promise<T> {
  const t = await start()
  let w: Child | null = null
  try {
    w = await startWorker(nofile)
    return await fn(t, w)
  } finally {
    await w?.stop(3000).catch(() => {})
    await t.stop().catch(() => {})
  }
}
