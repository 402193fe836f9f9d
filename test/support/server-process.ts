// cchub as a child process (src/main.ts), for tests that kill -9 a server: spawn it, learn its URL from "ready on".
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { withTimeout } from './ws-client.ts'

export const MAIN = join(import.meta.dir, '../../src/main.ts')

export type ServerProcess = Subprocess<'ignore', 'ignore', 'pipe'>

/** Starts `bun src/main.ts` with exactly `env` (CCHUB_* settings and what the CLI inherits). */
export function spawnServer(env: Record<string, string>): ServerProcess {
  return Bun.spawn([process.execPath, MAIN], { env, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' })
}

/** The URL the server prints on its "ready on" line; rejects with what it printed if it exits before. */
export async function readyUrl(proc: ServerProcess, name = 'server'): Promise<string> {
  const reader = proc.stderr.getReader()
  const decoder = new TextDecoder()
  let text = ''
  return withTimeout(
    (async () => {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) throw new Error(`${name} exited before ready: ${text}`)
        text += decoder.decode(value, { stream: true })
        const m = /ready on (http:\/\/\S+)/.exec(text)
        if (m) {
          reader.releaseLock()
          return m[1]!
        }
      }
    })(),
    15_000,
    `${name} to be ready`,
  )
}
