// REAL CLI + mock API, offline: tool-using turns as root; Bash allowed by `tools`, Write by acceptEdits or asked.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { reply } from '../support/mock-anthropic.ts'
import { cliEvents, execute, getExecution, startEnv, stopEnv, untilTerminal, watch, type Env } from './helpers.ts'
import { requireRealCli } from '../support/real-cli.ts'

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

/** tool_result blocks of the CLI's `user` events. */
function toolResults(events: any[]): any[] {
  return events
    .filter((ev) => ev.type === 'user' && Array.isArray(ev.message?.content))
    .flatMap((ev) => ev.message.content.filter((b: any) => b.type === 'tool_result'))
}

describe.skipIf(!requireRealCli('tool-using turns (real CLI)'))('tool-using turns (real CLI)', () => {
  test('Bash allowed through tools: tool_use → tool_result → final text, all on the socket; the API gets the tool result', async () => {
    e = await startEnv({ cli: 'real' })
    e.mock!.enqueue(
      reply.toolUse('Bash', { command: 'echo hi-from-bash && pwd', description: 'say hi' }, { id: 'toolu_bash_1' }),
    )
    const ex = await execute(e, { prompt: 'run echo', tools: ['Bash'] })
    const c = await watch(e, ex.websocket_url)
    expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')

    const events = cliEvents(c.channelMessages(`task:${ex.execution_id}`))
    const toolUse = events
      .filter((ev) => ev.type === 'assistant')
      .flatMap((ev) => ev.message.content)
      .find((b: any) => b.type === 'tool_use')
    expect(toolUse).toMatchObject({ id: 'toolu_bash_1', name: 'Bash', input: { command: 'echo hi-from-bash && pwd' } })
    const [tr] = toolResults(events)
    expect(tr).toMatchObject({ tool_use_id: 'toolu_bash_1', is_error: false })
    expect(String(tr.content)).toBe(`hi-from-bash\n${e.workspacePath}`)
    const result = events.find((ev) => ev.type === 'result')
    expect(result).toMatchObject({ is_error: false, num_turns: 2, permission_denials: [] })
    expect(result.result).toStartWith('Tool finished: hi-from-bash')

    // the tool result went back to the model in the second request
    expect(e.mock!.requests).toHaveLength(2)
    const last = e.mock!.requests[1]!.messages!.at(-1)!
    expect(JSON.stringify(last.content)).toContain('hi-from-bash')

    const got = await getExecution(e, ex.execution_id)
    expect(got).toMatchObject({ status: 'completed', num_turns: 2, permission_denials: null })
    expect(got.options.tools).toEqual(['Bash'])
  }, 30_000)

  test('Write under acceptEdits writes the file into the workspace directory', async () => {
    e = await startEnv({ cli: 'real' })
    const target = join(e.workspacePath, 'notes', 'hello.txt')
    e.mock!.enqueue(
      reply.toolUse(
        'Write',
        { file_path: target, content: 'written by claude\n' },
        { id: 'toolu_write_1', text: 'Writing the file.' },
      ),
    )
    const ex = await execute(e, { prompt: 'write a file', permission_mode: 'acceptEdits' })
    const c = await watch(e, ex.websocket_url)
    expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')

    expect(existsSync(target)).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe('written by claude\n')
    const events = cliEvents(c.channelMessages(`task:${ex.execution_id}`))
    expect(events.find((ev) => ev.type === 'system' && ev.subtype === 'init').permissionMode).toBe('acceptEdits')
    const [tr] = toolResults(events)
    expect(tr).toMatchObject({ tool_use_id: 'toolu_write_1' })
    expect(tr.is_error ?? false).toBe(false)
    expect(events.find((ev) => ev.type === 'result')).toMatchObject({
      is_error: false,
      num_turns: 2,
      permission_denials: [],
    })
  }, 30_000)

  test('Write asked in default mode and denied: the denial is surfaced on the execution and nothing is written', async () => {
    e = await startEnv({ cli: 'real' })
    const target = join(e.workspacePath, 'denied.txt')
    e.mock!.enqueue(reply.toolUse('Write', { file_path: target, content: 'nope\n' }, { id: 'toolu_write_2' }))
    const ex = await execute(e, { prompt: 'write a file' })
    const c = await watch(e, ex.websocket_url)
    // default mode asks the session's people (test/permissions covers the relay); a denial ends up in
    // permission_denials
    const asked = await c.next((m) => m.type === 'permission_request', 20_000)
    const denied = await e.s.api(`/api/v1/claude/sessions/${ex.session_id}/permissions/${asked.data.request_id}`, {
      token: e.admin,
      body: { decision: 'deny' },
    })
    expect(denied.status).toBe(200)
    expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
    expect(existsSync(target)).toBe(false)
    const got = await getExecution(e, ex.execution_id)
    expect(got.permission_denials).toHaveLength(1)
    expect(got.permission_denials[0]).toMatchObject({ tool_name: 'Write', tool_use_id: 'toolu_write_2' })
  }, 30_000)
})
