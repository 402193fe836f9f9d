// REAL CLI (2.1.330, 2.1.197) + mock API: tool permission requests relayed to the session and answered by its people.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { getExecution, stopEnv, untilTerminal, waitStatus } from '../execution/helpers.ts'
import {
  answerRest,
  answerWs,
  CLIS,
  expectError,
  resolvedOn,
  runUntilAsked,
  startTeam,
  toolResultsSent,
  type Team,
} from './helpers.ts'

let t: Team | undefined
afterEach(async () => {
  await stopEnv(t?.e)
  t = undefined
})

for (const [version, bin] of CLIS) {
  describe.skipIf(!requireRealCli(`permission relay (real CLI ${version})`, bin))(
    `permission relay (real CLI ${version})`,
    () => {
      test('allow over REST: permission_request on the task channel, waiting_for_permission while pending, the file is written', async () => {
        t = await startTeam(bin)
        const target = join(t.e.workspacePath, 'allowed.txt')
        t.e.mock!.enqueue(
          reply.toolUse('Write', { file_path: target, content: 'yes\n' }, { id: 'toolu_allow' }),
          reply.text('written'),
        )
        const { ex, c, request } = await runUntilAsked(t, { prompt: 'write it' })
        expect(request).toMatchObject({
          kind: 'tool',
          tool_name: 'Write',
          tool_use_id: 'toolu_allow',
          input: { file_path: target },
          status: 'pending',
          can_answer: ['owner', 'collaborator'],
        })
        expect(request.suggestions).toContainEqual({ type: 'setMode', mode: 'acceptEdits', destination: 'session' })
        await waitStatus(t.e, ex.execution_id, ['waiting_for_permission'])
        expect(existsSync(target)).toBe(false)
        const r = await answerRest(t, ex.session_id, request.request_id, { decision: 'allow' }, t.bob.token)
        expect(r.status).toBe(200)
        expect(r.body).toMatchObject({
          status: 'allowed',
          decision: 'allow',
          scope: 'once',
          decided_by: { user_id: t.bob.id, username: 'bob' },
        })
        expect(await resolvedOn(c, request.request_id)).toMatchObject({
          status: 'allowed',
          decision: 'allow',
          by: { username: 'bob' },
        })
        expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
        expect(readFileSync(target, 'utf8')).toBe('yes\n')
        expect(c.messages.filter((m) => m.type === 'status').map((m) => m.data.status)).toContain(
          'waiting_for_permission',
        )
      }, 40_000)

      test('deny over WebSocket: the model gets the message as an error tool result, the file is not written', async () => {
        t = await startTeam(bin)
        const target = join(t.e.workspacePath, 'denied.txt')
        t.e.mock!.enqueue(
          reply.toolUse('Write', { file_path: target, content: 'no\n' }, { id: 'toolu_deny' }),
          reply.text('ok then'),
        )
        const { ex, c, request } = await runUntilAsked(t, { prompt: 'write it' })
        const r = await answerWs(
          t,
          request.request_id,
          { decision: 'deny', message: 'Not in this repo, says carol' },
          t.carol.token,
        )
        expect(r.type).toBe('success')
        expect(r.data.request).toMatchObject({
          status: 'denied',
          decision: 'deny',
          message: 'Not in this repo, says carol',
        })
        expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
        expect(toolResultsSent(t).find((b) => b.tool_use_id === 'toolu_deny')).toMatchObject({
          is_error: true,
          content: 'Not in this repo, says carol',
        })
        expect(existsSync(target)).toBe(false)
        expect((await getExecution(t.e, ex.execution_id)).permission_denials).toContainEqual(
          expect.objectContaining({ tool_name: 'Write', tool_use_id: 'toolu_deny' }),
        )
      }, 40_000)

      test("allow for this session: the CLI's session-scoped suggestions go back, so the next Write in the session is not asked", async () => {
        t = await startTeam(bin)
        const [a, b] = [join(t.e.workspacePath, 'a.txt'), join(t.e.workspacePath, 'b.txt')]
        t.e.mock!.enqueue(
          reply.toolUse('Write', { file_path: a, content: 'a\n' }),
          reply.toolUse('Write', { file_path: b, content: 'b\n' }),
          reply.text('both'),
        )
        const { ex, c, request } = await runUntilAsked(t, { prompt: 'write two files' })
        const r = await answerRest(t, ex.session_id, request.request_id, { decision: 'allow', scope: 'session' })
        expect(r.body).toMatchObject({ status: 'allowed', scope: 'session' })
        expect((await resolvedOn(c, request.request_id)).updated_permissions).toEqual([
          { type: 'setMode', mode: 'acceptEdits', destination: 'session' },
        ])
        expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
        expect([readFileSync(a, 'utf8'), readFileSync(b, 'utf8')]).toEqual(['a\n', 'b\n'])
        expect(c.messages.filter((m) => m.type === 'permission_request')).toHaveLength(1)
      }, 40_000)

      test('a question: published as `question` with its options, the chosen label reaches the CLI and the model', async () => {
        t = await startTeam(bin)
        const questions = [
          {
            question: 'Which color?',
            header: 'Color',
            options: [
              { label: 'Red', description: 'warm' },
              { label: 'Blue', description: 'cool' },
            ],
            multiSelect: false,
          },
        ]
        t.e.mock!.enqueue(
          reply.toolUse('AskUserQuestion', { questions }, { id: 'toolu_ask' }),
          reply.text('Blue it is'),
        )
        const { ex, c, request } = await runUntilAsked(t, { prompt: 'ask me' })
        expect(request).toMatchObject({ kind: 'question', tool_name: 'AskUserQuestion', questions })
        expectError(
          await answerRest(t, ex.session_id, request.request_id, { decision: 'allow' }),
          422,
          'VALIDATION_FAILED',
        )
        const r = await answerWs(
          t,
          request.request_id,
          { decision: 'allow', answers: { 'Which color?': 'Blue' } },
          t.bob.token,
        )
        expect(r.data.request).toMatchObject({ status: 'allowed' })
        expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
        const sent = toolResultsSent(t).find((b) => b.tool_use_id === 'toolu_ask')
        expect(JSON.stringify(sent.content)).toContain('\\"Which color?\\"=\\"Blue\\"')
        expect(sent.is_error).toBeFalsy()
      }, 40_000)

      test('plan approval: approved (the CLI leaves plan mode) and rejected with feedback the model reads', async () => {
        t = await startTeam(bin)
        t.e.mock!.enqueue(
          reply.toolUse('ExitPlanMode', { plan: '1. add tests' }, { id: 'toolu_plan1' }),
          reply.text('going'),
        )
        const first = await runUntilAsked(t, { prompt: 'plan it', permission_mode: 'plan' })
        expect(first.request).toMatchObject({ kind: 'plan', tool_name: 'ExitPlanMode' })
        // 2.1.197 sends the plan text; 2.1.330 an empty input, and cchub finds the text in the tool_use before it
        expect(first.request.plan).toBe('1. add tests')
        expect(first.request.input).toEqual(version === '2.1.330' ? {} : { plan: '1. add tests' })
        expect(first.c.messages.some((m) => m.type === 'plan_approval')).toBe(true)
        expect(
          (await answerRest(t, first.ex.session_id, first.request.request_id, { decision: 'allow' }, t.carol.token))
            .status,
        ).toBe(200)
        expect((await untilTerminal(first.c, first.ex.execution_id)).data.status).toBe('completed')
        expect(toolResultsSent(t).find((b) => b.tool_use_id === 'toolu_plan1')).toMatchObject({
          content: expect.stringContaining('approved'),
        })

        t.e.mock!.enqueue(
          reply.toolUse('ExitPlanMode', { plan: '2. ship' }, { id: 'toolu_plan2' }),
          reply.text('revising'),
        )
        // a new session: the first one's live process has left plan mode, where ExitPlanMode is refused without asking
        const second = await runUntilAsked(t, { prompt: 'plan again', permission_mode: 'plan' })
        await answerWs(
          t,
          second.request.request_id,
          { decision: 'deny', message: 'Write the tests first' },
          t.bob.token,
        )
        expect((await untilTerminal(second.c, second.ex.execution_id)).data.status).toBe('completed')
        expect(toolResultsSent(t).find((b) => b.tool_use_id === 'toolu_plan2')).toMatchObject({
          is_error: true,
          content: expect.stringContaining('Write the tests first'),
        })
      }, 60_000)
    },
  )
}
