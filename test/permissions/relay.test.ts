// REAL CLI (2.1.330 and 2.1.197) + mock API: tool permission requests relayed to the session and answered by its people.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { getExecution, stopEnv, untilTerminal, waitStatus } from '../execution/helpers.ts'
import { answerRest, answerWs, CLIS, expectError, resolvedOn, runUntilAsked, startTeam, toolResultsSent, type Team } from './helpers.ts'

let t: Team | undefined
afterEach(async () => {
  await stopEnv(t?.e)
  t = undefined
})

for (const [version, bin] of CLIS) {
  describe.skipIf(!requireRealCli(`permission relay (real CLI ${version})`, bin))(`permission relay (real CLI ${version})`, () => {
    test('allow over REST: permission_request on the task channel, waiting_for_permission while pending, the file is written', async () => {
      t = await startTeam(bin)
      const target = join(t.e.workspacePath, 'allowed.txt')
      t.e.mock!.enqueue(reply.toolUse('Write', { file_path: target, content: 'yes\n' }, { id: 'toolu_allow' }), reply.text('written'))
      const { ex, c, request } = await runUntilAsked(t, { prompt: 'write it' })
      expect(request).toMatchObject({ kind: 'tool', tool_name: 'Write', tool_use_id: 'toolu_allow', input: { file_path: target }, status: 'pending', can_answer: ['owner', 'collaborator'] })
      expect(request.suggestions).toContainEqual({ type: 'setMode', mode: 'acceptEdits', destination: 'session' })
      await waitStatus(t.e, ex.execution_id, ['waiting_for_permission'])
      expect(existsSync(target)).toBe(false)
      const r = await answerRest(t, ex.session_id, request.request_id, { decision: 'allow' }, t.bob.token)
      expect(r.status).toBe(200)
      expect(r.body).toMatchObject({ status: 'allowed', decision: 'allow', scope: 'once', decided_by: { user_id: t.bob.id, username: 'bob' } })
      expect(await resolvedOn(c, request.request_id)).toMatchObject({ status: 'allowed', decision: 'allow', by: { username: 'bob' } })
      expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
      expect(readFileSync(target, 'utf8')).toBe('yes\n')
      expect(c.messages.filter((m) => m.type === 'status').map((m) => m.data.status)).toContain('waiting_for_permission')
    }, 40_000)

    test('deny over WebSocket: the model gets the message as an error tool result, the file is not written', async () => {
      t = await startTeam(bin)
      const target = join(t.e.workspacePath, 'denied.txt')
      t.e.mock!.enqueue(reply.toolUse('Write', { file_path: target, content: 'no\n' }, { id: 'toolu_deny' }), reply.text('ok then'))
      const { ex, c, request } = await runUntilAsked(t, { prompt: 'write it' })
      const r = await answerWs(t, request.request_id, { decision: 'deny', message: 'Not in this repo, says carol' }, t.carol.token)
      expect(r.type).toBe('success')
      expect(r.data.request).toMatchObject({ status: 'denied', decision: 'deny', message: 'Not in this repo, says carol' })
      expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
      expect(toolResultsSent(t).find((b) => b.tool_use_id === 'toolu_deny')).toMatchObject({ is_error: true, content: 'Not in this repo, says carol' })
      expect(existsSync(target)).toBe(false)
      expect((await getExecution(t.e, ex.execution_id)).permission_denials).toContainEqual(expect.objectContaining({ tool_name: 'Write', tool_use_id: 'toolu_deny' }))
    }, 40_000)
  })
}
