// Child processes for benchmarks and soak runs: spawn, talk to over JSON lines on stdin/stdout, measure, always kill.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { resolve } from 'node:path'

export const ROOT = resolve(import.meta.dir, '../..')
export const BUN = process.execPath.endsWith('bun') ? process.execPath : resolve(ROOT, 'node_modules/.bin/bun')
export const NODE = Bun.which('node') ?? 'node'

/** Every child still running; killed (SIGKILL) when this process exits, however it exits. */
const live = new Set<Bun.Subprocess>()
let hooked = false

function hookExit(): void {
  if (hooked) return
  hooked = true
  process.on('exit', () => {
    for (const p of live) killHard(p.pid)
  })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      for (const p of live) killHard(p.pid)
      process.exit(130)
    })
  }
}

function killHard(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

export interface ChildOptions {
  env?: Record<string, string | undefined>
  cwd?: string
  /** Label used in error messages and (when BENCH_VERBOSE=1) as a prefix of the child's stderr. */
  name: string
  /** Raise the soft open-files limit of the child to this (needs `prlimit`; the hard limit caps it). */
  nofile?: number
}

/**
 * A child that speaks JSON lines: requests `{id, op, ...}` on stdin, replies `{id, ok, ...}` on stdout; any other JSON
 * line it prints is an event (the first `{ready: true, ...}` line resolves `ready`). stdin closing tells it to exit.
 */
export class Child {
  readonly proc: Bun.Subprocess<'pipe', 'pipe', 'pipe'>
  readonly ready: Promise<Record<string, any>>
  readonly events: Record<string, any>[] = []
  stderrTail = ''
  exitCode: number | null = null
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>()
  private eventWaiters: { pred: (e: Record<string, any>) => boolean; resolve: (e: Record<string, any>) => void }[] = []
  private readyResolve!: (v: Record<string, any>) => void
  private readyReject!: (e: Error) => void
  readonly exited: Promise<number>

  constructor(
    readonly cmd: string[],
    readonly opts: ChildOptions,
  ) {
    hookExit()
    const argv = opts.nofile ? withNofile(cmd, opts.nofile) : cmd
    this.proc = Bun.spawn(argv, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env } as Record<string, string>,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    live.add(this.proc)
    this.ready = new Promise((res, rej) => {
      this.readyResolve = res
      this.readyReject = rej
    })
    this.ready.catch(() => {})
    void this.readStdout()
    void this.readStderr()
    this.exited = this.proc.exited.then((code) => {
      live.delete(this.proc)
      this.exitCode = code
      const err = new Error(
        `${opts.name} exited with ${code}${this.stderrTail ? `: ${this.stderrTail.slice(-2000)}` : ''}`,
      )
      this.readyReject(err)
      for (const w of this.waiting.values()) w.reject(err)
      this.waiting.clear()
      return code
    })
  }

  get pid(): number {
    return this.proc.pid
  }

  /** Sends one request and resolves with its reply (rejects on `ok: false`, exit, or timeout). */
  request<T = Record<string, any>>(op: string, args: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`${this.opts.name}: ${op} timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      try {
        this.proc.stdin.write(JSON.stringify({ id, op, ...args }) + '\n')
        this.proc.stdin.flush()
      } catch (err) {
        clearTimeout(timer)
        this.waiting.delete(id)
        reject(new Error(`${this.opts.name}: cannot write to stdin: ${(err as Error).message}`))
      }
    })
  }

  /** Resolves with the first event (already seen or future) matching `pred`. */
  waitEvent(pred: (e: Record<string, any>) => boolean, timeoutMs = 30_000): Promise<Record<string, any>> {
    const seen = this.events.find(pred)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`${this.opts.name}: no matching event within ${timeoutMs} ms`)),
        timeoutMs,
      )
      this.eventWaiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) })
    })
  }

  /** Asks politely (stdin closed, then SIGTERM), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<number> {
    if (this.exitCode !== null) return this.exitCode
    try {
      this.proc.stdin.end()
    } catch {
      // closed already
    }
    const t1 = setTimeout(() => this.signal('SIGTERM'), Math.min(1000, graceMs / 2))
    const t2 = setTimeout(() => this.signal('SIGKILL'), graceMs)
    const code = await this.exited
    clearTimeout(t1)
    clearTimeout(t2)
    return code
  }

  /** kill -9, as a crash. */
  async kill9(): Promise<number> {
    this.signal('SIGKILL')
    return this.exited
  }

  signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.proc.pid, sig)
    } catch {
      // gone
    }
  }

  private async readStdout(): Promise<void> {
    const decoder = new TextDecoder()
    let buf = ''
    for await (const chunk of this.proc.stdout) {
      buf += decoder.decode(chunk, { stream: true })
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        this.onLine(line)
      }
    }
  }

  private onLine(line: string): void {
    if (!line.startsWith('{')) {
      if (process.env.BENCH_VERBOSE === '1') process.stderr.write(`[${this.opts.name}] ${line}\n`)
      return
    }
    let msg: Record<string, any>
    try {
      msg = JSON.parse(line)
    } catch {
      return
    }
    if (typeof msg.id === 'number' && this.waiting.has(msg.id)) {
      const w = this.waiting.get(msg.id)!
      this.waiting.delete(msg.id)
      if (msg.ok === false) w.reject(new Error(`${this.opts.name}: ${msg.error ?? 'request failed'}`))
      else w.resolve(msg)
      return
    }
    if (msg.ready === true) this.readyResolve(msg)
    this.events.push(msg)
    if (this.events.length > 10_000) this.events.splice(0, 5_000)
    const waiters = this.eventWaiters
    this.eventWaiters = []
    for (const w of waiters) {
      if (w.pred(msg)) w.resolve(msg)
      else this.eventWaiters.push(w)
    }
  }

  private async readStderr(): Promise<void> {
    const decoder = new TextDecoder()
    for await (const chunk of this.proc.stderr) {
      const text = decoder.decode(chunk, { stream: true })
      if (process.env.BENCH_VERBOSE === '1') process.stderr.write(text.replace(/^/gm, `[${this.opts.name}!] `))
      this.stderrTail = (this.stderrTail + text).slice(-8000)
    }
  }
}

/** Registers a plain subprocess (not a JSON-line child) so it is killed on exit too. */
export function track(p: Bun.Subprocess): Bun.Subprocess {
  hookExit()
  live.add(p)
  void p.exited.then(() => live.delete(p))
  return p
}

let limits: { soft: number; hard: number } | undefined
/** The open-files limits this process passes on to its children. */
export function nofileLimits(): { soft: number; hard: number } {
  if (limits) return limits
  const soft = Number(Bun.spawnSync(['sh', '-c', 'ulimit -Sn']).stdout.toString().trim())
  const hard = Number(Bun.spawnSync(['sh', '-c', 'ulimit -Hn']).stdout.toString().trim())
  limits = {
    soft: Number.isFinite(soft) ? soft : 1024,
    hard: Number.isFinite(hard) ? hard : Number.isNaN(hard) ? 1 << 20 : hard,
  }
  return limits
}

/** Prefixes `prlimit` when the soft limit is below `n` (up to the hard limit). */
export function withNofile(cmd: string[], n: number): string[] {
  const { soft, hard } = nofileLimits()
  if (soft >= n || !Bun.which('prlimit')) return cmd
  const want = Math.min(n, hard)
  return ['prlimit', `--nofile=${want}:${hard}`, '--', ...cmd]
}

/** VmRSS / VmHWM of a process in KiB, from /proc (null when gone or not Linux). */
export function memOf(pid: number): { rssKb: number; hwmKb: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rss = /VmRSS:\s+(\d+)/.exec(s)
    const hwm = /VmHWM:\s+(\d+)/.exec(s)
    return { rssKb: Number(rss?.[1] ?? 0), hwmKb: Number(hwm?.[1] ?? 0) }
  } catch {
    return null
  }
}

const TICK = 100 // USER_HZ on Linux
/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / TICK
  } catch {
    return 0
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak seen (KiB). */
export function rssSampler(pid: number, everyMs = 20): { stop(): number; peak(): number } {
  let peak = memOf(pid)?.rssKb ?? 0
  const t = setInterval(() => {
    const m = memOf(pid)
    if (m && m.rssKb > peak) peak = m.rssKb
  }, everyMs)
  return {
    stop() {
      clearInterval(t)
      const m = memOf(pid)
      if (m && m.rssKb > peak) peak = m.rssKb
      return peak
    },
    peak: () => peak,
  }
}

/** Each live pid in /proc with a reader that returns null once it raced with the process's exit. */
export function eachProc(visit: (pid: number, read: (file: string, link?: boolean) => string | null) => void): void {
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue
    visit(Number(n), (file, link) => {
      try {
        return link ? readlinkSync(`/proc/${n}/${file}`) : readFileSync(`/proc/${n}/${file}`, 'utf8')
      } catch {
        return null
      }
    })
  }
}

/** Child processes of `pid` from /proc, with their state letter (Z = zombie). */
export function childrenOf(pid: number): { pid: number; state: string; cmd: string }[] {
  const out: { pid: number; state: string; cmd: string }[] = []
  eachProc((n, read) => {
    const stat = read('stat')
    if (!stat) return
    const close = stat.lastIndexOf(')')
    const f = stat.slice(close + 2).split(' ')
    if (Number(f[1]) === pid) out.push({ pid: n, state: f[0]!, cmd: stat.slice(stat.indexOf('(') + 1, close) })
  })
  return out
}

/** Live processes whose working directory is inside `dir` (e.g. CLI processes of a server's workspaces). */
export function processesIn(dir: string): number[] {
  const out: number[] = []
  eachProc((n, read) => {
    const cwd = read('cwd', true)
    if (!cwd || (cwd !== dir && !cwd.startsWith(dir + '/'))) return
    const stat = read('stat')
    if (stat && !/\) Z /.test(stat)) out.push(n)
  })
  return out
}

/** Polls `url` until it answers 200 (or the deadline passes); returns ms waited or -1. */
export async function waitHttp(url: string, timeoutMs = 30_000, everyMs = 5): Promise<number> {
  const t0 = performance.now()
  while (performance.now() - t0 < timeoutMs) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) })
      if (r.status === 200) {
        await r.arrayBuffer()
        return performance.now() - t0
      }
    } catch {
      // not listening yet
    }
    await Bun.sleep(everyMs)
  }
  return -1
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = s.port
  s.stop(true)
  return port
}

export const exists = existsSync
