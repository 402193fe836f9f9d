// bubblewrap sandbox for CLI processes: probed once at start; wraps each RunSpec so the CLI sees only what it needs.
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readlinkSync, readSync, realpathSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { projectDir, serverLogin } from './home.ts'
import type { RunSpec } from './runner.ts'

export type SandboxSetting = 'auto' | 'bwrap' | 'off'
export interface SandboxStatus {
  mode: 'bwrap' | 'off'
  /** Why there is no sandbox (only when mode is off). */
  reason?: string
}

/** System directories the CLI and its tools run from: bound read-only, or re-created as the same symlinks. */
const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']
/** Of /etc only the resolver, certificates and the user database (uid names for `id`, `ls -l`). */
const ETC = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/passwd',
  '/etc/group',
  '/etc/localtime',
]
/**
 * The unprivileged user the CLI runs as inside (its own user namespace; files it writes belong to the server's user).
 */
const INSIDE_UID = '1000'

export class Sandbox {
  constructor(
    private readonly bwrap: string,
    private readonly dataDir: string,
    /** The server user's CLI login (~/.claude/.credentials.json), bound read-only into every home; null when none. */
    private readonly credentials: string | null,
  ) {}

  /**
   * The same run inside bwrap. Visible: system dirs and the CLI's install read-only; `cwd` (the workspace) and the
   * transcripts of that workspace in env.HOME (the per-user home) read-write, the rest of HOME a scratch tmpfs; a
   * private /tmp and /proc. The data directory is covered by an empty tmpfs
   * first (read-only), so nothing else of it (database, jwt-secret, other workspaces and homes) shows even if a bind
   * contains it.
   * Throws when the CLI cannot be resolved (the caller reports it as "could not be started").
   */
  wrap(spec: RunSpec): RunSpec {
    const { command, installs } = resolveCommand(spec.bin, spec.env.PATH ?? '')
    const home = spec.env.HOME
    // Of the home only this workspace's transcripts persist: the rest of it is a scratch tmpfs, so a collaborator
    // running in the session owner's home cannot read the owner's conversations in other workspaces.
    const transcripts = home ? projectDir(home, spec.cwd) : null
    if (transcripts) mkdirSync(transcripts, { recursive: true, mode: 0o700 })
    const rw = [spec.cwd, ...(transcripts ? [transcripts] : [])]
    const inData = (p: string) => !relative(this.dataDir, p).startsWith('..')
    const args = [
      '--unshare-user',
      '--uid',
      INSIDE_UID,
      '--gid',
      INSIDE_UID,
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup-try',
      // the CLI is pid 1 of its namespace: bwrap's own init would outlive bwrap unreaped (a zombie wherever the host's
      // pid 1 does not reap, e.g. cchub itself as a container's pid 1); the kernel still reaps everything the CLI
      // leaves
      '--unshare-pid',
      '--as-pid-1',
      '--cap-drop',
      'ALL',
      '--die-with-parent',
      ...systemArgs(),
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--tmpfs',
      '/tmp',
      ...installs.flatMap((d) => ['--ro-bind', d, d]),
      ...rw.filter((p) => !inData(p)).flatMap((p) => ['--bind', p, p]),
      '--tmpfs',
      this.dataDir,
      ...(home ? ['--tmpfs', home] : []),
      ...rw.filter(inData).flatMap((p) => ['--bind', p, p]),
      ...(home && this.credentials ? ['--ro-bind', this.credentials, join(home, '.claude', '.credentials.json')] : []),
      // what is left writable besides the binds would be a scratch tmpfs; read-only, so a stray write fails loudly
      '--remount-ro',
      this.dataDir,
      '--remount-ro',
      '/',
      '--chdir',
      spec.cwd,
      '--',
      ...command,
    ]
    // the server's TMPDIR may not exist inside; the private /tmp does
    return {
      bin: this.bwrap,
      args: [...args, ...spec.args],
      cwd: spec.cwd,
      env: { ...spec.env, TMPDIR: '/tmp' },
      sandboxed: true,
    }
  }
}

function systemArgs(): string[] {
  const out: string[] = []
  for (const dir of SYSTEM) {
    const st = lstatSync(dir, { throwIfNoEntry: false })
    if (st?.isSymbolicLink()) out.push('--symlink', readlinkSync(dir), dir)
    else if (st?.isDirectory()) out.push('--ro-bind', dir, dir)
  }
  for (const f of ETC) out.push('--ro-bind-try', f, f)
  return out
}

const isSystem = (p: string) => SYSTEM.some((d) => p === d || p.startsWith(`${d}/`))

/**
 * The real path of the CLI (a node_modules/.bin symlink is not visible inside) and the directories to bind for it.
 * A script whose interpreter lives outside the system dirs (`#!/usr/bin/env node` with node from nvm, bun from
 * node_modules) is run as `<interpreter> <script>`, since the interpreter's PATH entry is not visible either.
 */
function resolveCommand(bin: string, path: string): { command: string[]; installs: string[] } {
  const cli = realpathSync(bin)
  const installs = [installRoot(cli)]
  const shebang = readShebang(cli)
  if (!shebang) return { command: [cli], installs }
  const [first, ...rest] = shebang
  const viaEnv = basename(first!) === 'env'
  const args = viaEnv && rest[0] === '-S' ? rest.slice(1) : rest
  const name = viaEnv ? args.shift() : first
  const found = name && (viaEnv ? Bun.which(name, { PATH: path }) : name)
  if (!found || !existsSync(found)) return { command: [cli], installs }
  const interpreter = realpathSync(found)
  if (isSystem(interpreter)) return { command: [cli], installs }
  return { command: [interpreter, ...args, cli], installs: [...installs, installRoot(interpreter)] }
}

/**
 * The package a binary belongs to (a package.json at most two levels up), else the prefix of a `bin/` dir, else its
 * dir.
 */
function installRoot(file: string): string {
  let dir = dirname(file)
  for (let i = 0; i < 3; i++, dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir
  return basename(dirname(file)) === 'bin' ? dirname(dirname(file)) : dirname(file)
}

function readShebang(file: string): string[] | null {
  const buf = new Uint8Array(256)
  const fd = openSync(file, 'r')
  const n = readSync(fd, buf, 0, buf.length, 0)
  closeSync(fd)
  const head = new TextDecoder().decode(buf.subarray(0, n))
  if (!head.startsWith('#!')) return null
  return head.slice(2).split('\n')[0]!.trim().split(/\s+/)
}

/**
 * Decides the sandbox once at start: `off` as configured; otherwise bwrap from PATH, tried with the real argument set
 * running `true`. `bwrap` (required) throws with one line when that fails; `auto` falls back to off with the reason.
 */
export async function probeSandbox(
  setting: SandboxSetting,
  o: { dataDir: string; env: Record<string, string | undefined>; timeoutMs?: number },
): Promise<{ status: SandboxStatus; sandbox: Sandbox | null }> {
  if (setting === 'off') return { status: { mode: 'off', reason: 'disabled by CCHUB_SANDBOX=off' }, sandbox: null }
  const fail = (reason: string) => {
    if (setting === 'bwrap')
      throw new Error(`CCHUB_SANDBOX=bwrap but the bubblewrap sandbox does not work here: ${reason}`)
    return { status: { mode: 'off' as const, reason }, sandbox: null }
  }
  const bwrap = Bun.which('bwrap', { PATH: o.env.PATH ?? '' })
  if (!bwrap) return fail('bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)')
  const sandbox = new Sandbox(bwrap, o.dataDir, serverLogin(o.env))
  const homes = join(o.dataDir, 'homes')
  try {
    const spec = sandbox.wrap({
      bin: Bun.which('true', { PATH: '/usr/bin:/bin' }) ?? '/bin/true',
      args: [],
      cwd: homes,
      env: { PATH: '/usr/bin:/bin' },
    })
    const proc = Bun.spawn([spec.bin, ...spec.args], {
      cwd: homes,
      env: spec.env,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      timeout: o.timeoutMs ?? 10_000,
    })
    const stderr = (await new Response(proc.stderr).text()).trim()
    const code = await proc.exited
    if (code === 0) return { status: { mode: 'bwrap' }, sandbox }
    return fail(
      stderr.split('\n')[0] ||
        (proc.signalCode ? `bwrap was killed by ${proc.signalCode}` : `bwrap exited with code ${code}`),
    )
  } catch (err) {
    return fail((err as Error).message)
  }
}
