// REAL CLI + mock API on two nodes: the CLI runs on B, its permission request is answered and its session continued on A.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { taskChannel } from '../../src/modules/realtime/channels.ts'
import { TERMINAL } from '../execution/helpers.ts'
import { requireCluster, TestCluster } from '../support/cluster.ts'
import { reply, startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.ts'
import { REAL_CLAUDE, requireRealCli } from '../support/real-cli.ts'

const ready = requireRealCli('test/cluster/real-cli.test.ts') && (await requireCluster('test/cluster/real-cli.test.ts'))

let cluster: TestCluster | undefined
let mock: MockAnthropic | undefined
afterEach(async () => {
  await cluster?.close()
  await mock?.stop()
  cluster = mock = undefined
})

describe.skipIf(!ready)('real CLI across nodes', () => {
  test('the CLI runs on B; a client on A sees its permission request, answers it on A, and the next prompt sent to A reuses the CLI on B', async () => {
    mock = await startMockAnthropic()
    cluster = await TestCluster.start({
      cliEnv: {
        ANTHROPIC_API_KEY: 'test',
        ANTHROPIC_BASE_URL: mock.url,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '0',
      },
    })
    const real = { claudeBin: REAL_CLAUDE, claudeEnvAllowList: [] }
    const a = await cluster.node('A', real)
    const b = await cluster.node('B', real)
    const token = await a.login()
    const ws = await (await a.api('/api/v1/workspaces', { token, body: { name: 'w' } })).json()
    const target = join(ws.path, 'from-b.txt')
    mock.enqueue(reply.toolUse('Write', { file_path: target, content: 'hello\n' }), reply.text('written on B'))

    const first = await (
      await b.api('/api/v1/claude/execute', { token, body: { workspace_id: ws.id, prompt: 'write it' } })
    ).json()
    const onA = await cluster.pool.connect(`${a.wsUrl}?token=${encodeURIComponent(token)}`)
    await onA.next((m) => m.type === 'connected')
    await onA.subscribe(taskChannel(first.execution_id), 0)
    const asked = await onA.next((m) => m.type === 'permission_request', 30_000)
    const answer = await a.api(`/api/v1/claude/sessions/${first.session_id}/permissions/${asked.data.request_id}`, {
      token,
      body: { decision: 'allow' },
    })
    expect(answer.status).toBe(200)
    const end = (id: string) => (m: { type: string; data?: any }) =>
      m.type === 'status' && m.data?.execution_id === id && (TERMINAL as readonly string[]).includes(m.data.status)
    expect((await onA.next(end(first.execution_id), 30_000)).data.status).toBe('completed')
    expect(existsSync(target) && readFileSync(target, 'utf8')).toBe('hello\n')
    expect(JSON.stringify(onA.channelMessages(taskChannel(first.execution_id)))).toContain('written on B')

    mock.enqueue(reply.text('second turn, same process'))
    const second = await (
      await a.api('/api/v1/claude/execute', {
        token,
        body: { workspace_id: ws.id, session_id: first.session_id, prompt: 'and then?' },
      })
    ).json()
    await onA.subscribe(taskChannel(second.execution_id), 0)
    expect((await onA.next(end(second.execution_id), 30_000)).data.status).toBe('completed')
    expect(JSON.stringify(onA.channelMessages(taskChannel(second.execution_id)))).toContain('second turn')
    expect(b.services.engine.liveProcess(first.session_id)).toBeDefined()
    expect(a.services.engine.processCount).toBe(0)
  }, 90_000)
})
