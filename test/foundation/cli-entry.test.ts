// The command line as a user runs it: --help lists every setting, --version prints it, a bad value stops the start.
import { expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { VERSION } from '../../src/app.ts'
import { configKeys, settingMeta } from '../../src/config/schema.ts'
import { SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

const MAIN = join(import.meta.dir, '../../src/main.ts')

async function cli(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { stdout, stderr, code }
}

test('--help lists every flag and environment variable of the schema', async () => {
  const { stdout, code } = await cli(['--help'])
  expect(code).toBe(0)
  expect(configKeys.length).toBeGreaterThan(10)
  for (const key of configKeys) {
    const { flag, env } = settingMeta(key)
    expect(stdout).toContain(flag)
    expect(stdout).toContain(env)
  }
  expect(stdout).toContain('--help')
  expect(stdout).toContain('--version')
})

test('--version prints the package version', async () => {
  const { stdout, code } = await cli(['--version'])
  expect(code).toBe(0)
  expect(stdout.trim()).toBe(`cchub ${VERSION}`)
})

test('a bad setting stops the start with one line naming it', async () => {
  const { stdout, stderr, code } = await cli([], { CCHUB_PORT: 'not-a-port' })
  expect(code).toBe(2)
  expect(stdout).toBe('')
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain('CCHUB_PORT')
})
