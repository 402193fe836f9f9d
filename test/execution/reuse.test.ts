// Process reuse with the fake CLI: same options go to the live process, changed ones restart it with --resume.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import {
  RECORD,
  alive,
  cliProcess,
  enginePids,
  execute,
  ourZombies,
  recordOf,
  startEnv,
  stopEnv,
  waitFor,
  waitStatus,
  type Env,
} from './helpers.ts'

// A closed session's process ends.

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

const records = (file: string): any[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : []

describe('process reuse', () => {
  test('same options → same process (prompts on its stdin); new options → retired and restarted with --resume; close → process ends', async () => {
    e = await startEnv({
      cli: 'fake',
      env: { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '3', FAKE_CLAUDE_RECORD: RECORD },
    })
    const record = recordOf(e.workspacePath)
    const a = await execute(e, { prompt: 'one', model: 'model-a' })
    await waitStatus(e, a.execution_id, ['completed'], 10_000)
    const b = await execute(e, { prompt: 'two', model: 'model-a', session_id: a.session_id })
    await waitStatus(e, b.execution_id, ['completed'], 10_000)
    let starts = records(record).filter((r) => r.event === 'start')
    expect(starts).toHaveLength(1)
    const first = starts[0]
    const [firstRoot] = enginePids(e)
    const firstCli = cliProcess(firstRoot!)!.pid
    const prompts = records(record)
      .filter((r) => r.event === 'stdin' && r.pid === first.pid)
      .map((r) => JSON.parse(r.line))
    expect(prompts.map((p) => p.message.content)).toEqual(['one', 'two'])
    expect(prompts.every((p) => p.type === 'user' && p.message.role === 'user')).toBe(true)

    const c = await execute(e, { prompt: 'three', model: 'model-b', session_id: a.session_id })
    await waitStatus(e, c.execution_id, ['completed'], 10_000)
    starts = records(record).filter((r) => r.event === 'start')
    expect(starts).toHaveLength(2)
    const second = starts[1]
    expect(second.argv[second.argv.indexOf('--resume') + 1]).toBe(a.session_id)
    expect(second.argv[second.argv.indexOf('--model') + 1]).toBe('model-b')
    await waitFor(() => !alive(firstCli) && enginePids(e!).length === 1, 5000, 'the retired process to exit')
    const [secondRoot] = enginePids(e)
    expect(secondRoot).not.toBe(firstRoot)
    const secondCli = cliProcess(secondRoot!)!.pid

    const del = await e.s.api(`/api/v1/claude/sessions/${a.session_id}`, { method: 'DELETE', token: e.admin })
    expect(del.status).toBe(200)
    await waitFor(
      () => !alive(secondCli) && enginePids(e!).length === 0,
      5000,
      'the process of the closed session to exit',
    )
    expect(ourZombies()).toEqual([])
  }, 30_000)
})
