// A `claude` transcript as the CLI leaves it after a terminal session, for the terminal-sessions list and import.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectDirName } from '../../src/modules/claude/cli/home.ts'

/** Writes `<home>/.claude/projects/<escaped cwd>/<id>.jsonl` (with a line that is no JSON and a stray file); its id. */
export function terminalTranscript(userHome: string, cwd: string, prompt: string): string {
  const cliId = crypto.randomUUID()
  const dir = join(userHome, '.claude', 'projects', projectDirName(cwd))
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, `${cliId}.jsonl`),
    [
      JSON.stringify({ type: 'summary', summary: 'x' }),
      'not json',
      JSON.stringify({ type: 'user', message: { role: 'user', content: prompt } }),
    ].join('\n') + '\n',
  )
  writeFileSync(join(dir, 'notes.txt'), 'ignored')
  return cliId
}
