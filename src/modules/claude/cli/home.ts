// Per-user CLI homes: <data>/homes/<user id> is HOME for that user's Claude runs, so transcripts stay their own.
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, symlinkSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'

export const homeOf = (dataDir: string, userId: string): string => join(dataDir, 'homes', userId)

/** The CLI's project folder name: every character that is not a letter or digit becomes "-". */
export const projectDirName = (cwd: string) => cwd.replace(/[^A-Za-z0-9]/g, '-')

/** Where the CLI keeps the transcripts of runs in `cwd`, inside `home`. */
export const projectDir = (home: string, cwd: string): string => join(home, '.claude', 'projects', projectDirName(cwd))

/** The server user's CLI login (`claude` /login in a terminal), or null when it has none. */
export function serverLogin(env: Record<string, string | undefined>): string | null {
  const file = env.HOME ? join(env.HOME, '.claude', '.credentials.json') : null
  return file && existsSync(file) ? file : null
}

/**
 * Creates the home (0700) before a run. The server's login reaches it read-only through the sandbox's bind; without a
 * sandbox a symlink stands in (and is removed again when a sandbox is used, since bwrap cannot mount over it).
 */
export function prepareHome(dataDir: string, userId: string, login: string | null, sandboxed: boolean): string {
  const home = homeOf(dataDir, userId)
  mkdirSync(join(home, '.claude'), { recursive: true, mode: 0o700 })
  const link = join(home, '.claude', '.credentials.json')
  const st = lstatSync(link, { throwIfNoEntry: false })
  if (sandboxed && st?.isSymbolicLink()) unlinkSync(link)
  else if (!sandboxed && login && !st) symlinkSync(login, link)
  return home
}

/**
 * Moves the transcripts of `cliSessionIds` (projects/<escaped cwd>/<id>.jsonl, and the <id>/ folder the CLI keeps
 * beside it) from one user's home to another's, so sessions that change owner can still be resumed there.
 */
export function moveTranscripts(dataDir: string, fromUser: string, toUser: string, cliSessionIds: string[]): number {
  const from = join(homeOf(dataDir, fromUser), '.claude', 'projects')
  if (!cliSessionIds.length || !existsSync(from)) return 0
  const to = join(homeOf(dataDir, toUser), '.claude', 'projects')
  let moved = 0
  for (const project of readdirSync(from)) {
    for (const id of cliSessionIds) {
      for (const name of [`${id}.jsonl`, id]) {
        if (!existsSync(join(from, project, name))) continue
        mkdirSync(join(to, project), { recursive: true, mode: 0o700 })
        renameSync(join(from, project, name), join(to, project, name))
        if (name.endsWith('.jsonl')) moved++
      }
    }
  }
  return moved
}
