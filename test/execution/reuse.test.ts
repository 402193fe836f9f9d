// Process reuse with the fake CLI: a follow-up with the same options goes to the live process; changed options
// retire it and start a new one with --resume; a closed session's process ends.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alive, enginePids, execute, ourZombies, startEnv, stopEnv, waitStatus, type Env, waitFor } from './helpers.ts'

let e: Env | undefined
let dir: string | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

const records = (file: string): any[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [])

describe('process reuse', () => {
  test('same options → same process (prompts on its stdin); new options → retired and restarted with --resume; close → process ends', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cchub-exec-rec-'))
    const record = join(dir, 'record.jsonl')
    e = await startEnv({ cli: 'fake', env: { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '3', FAKE_CLAUDE_RECORD: record } })
    const a = await execute(e, { prompt: 'one', model: 'model-a' })
    await waitStatus(e, a.execution_id, ['completed'], 10_000)
    const b = await execute(e, { prompt: 'two', model: 'model-a', session_id: a.session_id })
    await waitStatus(e, b.execution_id, ['completed'], 10_000)
    let starts = records(record).filter((r) => r.event === 'start')
    expect(starts).toHaveLength(1)
    const first = starts[0]
    const prompts = records(record).filter((r) => r.event === 'stdin' && r.pid === first.pid).map((r) => JSON.parse(r.line))
    expect(prompts.map((p) => p.message.content)).toEqual(['one', 'two'])
    expect(prompts.every((p) => p.type === 'user' && p.message.role === 'user')).toBe(true)

    const c = await execute(e, { prompt: 'three', model: 'model-b', session_id: a.session_id })
    await waitStatus(e, c.execution_id, ['completed'], 10_000)
    starts = records(record).filter((r) => r.event === 'start')
    expect(starts).toHaveLength(2)
    const second = starts[1]
    expect(second.argv[second.argv.indexOf('--resume') + 1]).toBe(a.session_id)
    expect(second.argv[second.argv.indexOf('--model') + 1]).toBe('model-b')
    await waitFor(() => !alive(first.pid) && enginePids(e!).length === 1, 5000, 'the retired process to exit')
    expect(enginePids(e)).toEqual([second.pid])

    const del = await e.s.api(`/api/v1/claude/sessions/${a.session_id}`, { method: 'DELETE', token: e.admin })
    expect(del.status).toBe(200)
    await waitFor(() => !alive(second.pid) && enginePids(e!).length === 0, 5000, 'the process of the closed session to exit')
    expect(ourZombies()).toEqual([])
  }, 30_000)
})
