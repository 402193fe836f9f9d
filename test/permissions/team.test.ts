// REAL CLI (2.1.330, 2.1.197) + mock API: who may answer, first answer wins, timeout, cancel, late joiners, mode/model.
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { cliEvents, execute, socket, stopEnv, untilTerminal, waitStatus, watch } from '../execution/helpers.ts'
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

const writeCall = (t: Team, name: string) =>
  reply.toolUse(
    'Write',
    { file_path: join(t.e.workspacePath, name), content: 'x\n' },
    { id: `toolu_${name.replace('.', '_')}` },
  )

for (const [version, bin] of CLIS) {
  describe.skipIf(!requireRealCli(`permission answers (real CLI ${version})`, bin))(
    `permission answers (real CLI ${version})`,
    () => {
      test('a viewer is refused; two collaborators at the same moment: exactly one wins, the other gets ALREADY_RESOLVED naming who and when', async () => {
        t = await startTeam(bin)
        t.e.mock!.enqueue(writeCall(t, 'race.txt'), reply.text('done'))
        const { ex, c, request } = await runUntilAsked(t, { prompt: 'write' })
        expectError(
          await answerRest(t, ex.session_id, request.request_id, { decision: 'allow' }, t.vic.token),
          403,
          'FORBIDDEN',
        )
        const viewerWs = await answerWs(t, request.request_id, { decision: 'allow' }, t.vic.token)
        expect([viewerWs.type, viewerWs.data.code]).toEqual(['error', 'FORBIDDEN'])

        const [rest, ws] = await Promise.all([
          answerRest(t, ex.session_id, request.request_id, { decision: 'allow' }, t.bob.token),
          answerWs(t, request.request_id, { decision: 'deny', message: 'carol says no' }, t.carol.token),
        ])
        const wins = [rest.status === 200, ws.type === 'success']
        expect(wins.filter(Boolean)).toHaveLength(1)
        const winner = wins[0] ? 'bob' : 'carol'
        const loser = wins[0]
          ? { code: ws.data.code, details: ws.data.details }
          : { code: rest.body.code, details: rest.body.details }
        expect(loser).toMatchObject({
          code: 'ALREADY_RESOLVED',
          details: { decided_by_name: winner, status: winner === 'bob' ? 'allowed' : 'denied' },
        })
        expect(Date.parse(loser.details.decided_at)).toBeGreaterThan(0)
        expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
        expect(c.messages.filter((m) => m.type === 'permission_resolved')).toHaveLength(1)
        expect(existsSync(join(t.e.workspacePath, 'race.txt'))).toBe(winner === 'bob')
        // later answers are refused the same way, naming the winner
        const late = await answerRest(t, ex.session_id, request.request_id, { decision: 'deny' })
        expect(late).toMatchObject({
          status: 409,
          body: { code: 'ALREADY_RESOLVED', message: expect.stringContaining(winner) },
        })
      }, 40_000)

      test('nobody answers: after CCHUB_PERMISSION_TIMEOUT (on the server clock) the call is denied with a message saying so', async () => {
        t = await startTeam(bin, { permissionTimeout: 5 })
        t.e.mock!.enqueue(writeCall(t, 'late.txt'), reply.text('gave up'))
        const { ex, c, request } = await runUntilAsked(t, { prompt: 'write' })
        expect(Date.parse(request.expires_at) - Date.parse(request.created_at)).toBe(5000)
        await waitStatus(t.e, ex.execution_id, ['waiting_for_permission'])
        t.clock.advance(5000)
        expect(await resolvedOn(c, request.request_id)).toMatchObject({
          status: 'timed_out',
          decision: 'deny',
          by: { user_id: null, username: 'cchub' },
        })
        expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
        const sent = toolResultsSent(t).find((b) => b.tool_use_id === 'toolu_late_txt')
        expect(sent).toMatchObject({ is_error: true, content: expect.stringContaining('CCHUB_PERMISSION_TIMEOUT') })
        expect(existsSync(join(t.e.workspacePath, 'late.txt'))).toBe(false)
        expectError(
          await answerRest(t, ex.session_id, request.request_id, { decision: 'allow' }),
          409,
          'ALREADY_RESOLVED',
        )
      }, 40_000)

      test('cancel while waiting: the pending request is resolved as cancelled and the execution ends cancelled', async () => {
        t = await startTeam(bin)
        t.e.mock!.enqueue(writeCall(t, 'never.txt'), reply.text('unreached'))
        const { ex, c, request } = await runUntilAsked(t, { prompt: 'write' })
        await waitStatus(t.e, ex.execution_id, ['waiting_for_permission'])
        const res = await t.e.s.api(`/api/v1/claude/executions/${ex.execution_id}/cancel`, {
          token: t.bob.token,
          method: 'POST',
        })
        expect(res.status).toBe(200)
        expect(await resolvedOn(c, request.request_id)).toMatchObject({ status: 'cancelled', decision: null })
        expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('cancelled')
        expect(existsSync(join(t.e.workspacePath, 'never.txt'))).toBe(false)
        const pending = await (
          await t.e.s.api(`/api/v1/claude/sessions/${ex.session_id}/permissions`, { token: t.e.admin })
        ).json()
        expect(pending.permissions).toEqual([])
      }, 40_000)

      test('mode and model switched mid-session on the live process: the next request to the API shows the model, the next init the mode', async () => {
        t = await startTeam(bin)
        const first = await execute(t.e, { prompt: 'hello' })
        await waitStatus(t.e, first.execution_id, ['completed'])
        const ask = async (token: string, type: string, data: Record<string, unknown>) =>
          (await socket(t!.e, token)).request({ type, data: { session_id: first.session_id, ...data } }, 10_000)
        expect((await ask(t.vic.token, 'set_model', { model: 'claude-x-test' })).data.code).toBe('FORBIDDEN')
        expect((await ask(t.bob.token, 'set_permission_mode', { mode: 'bypassPermissions' })).data.code).toBe(
          'FORBIDDEN',
        )
        const watcher = await socket(t.e)
        await watcher.subscribe(`session:${first.session_id}`)
        expect(await ask(t.bob.token, 'set_model', { model: 'claude-x-test' })).toMatchObject({
          type: 'success',
          data: { action: 'set_model', model: 'claude-x-test', by: { username: 'bob' } },
        })
        expect(await ask(t.carol.token, 'set_permission_mode', { mode: 'acceptEdits' })).toMatchObject({
          type: 'success',
          data: { permission_mode: 'acceptEdits' },
        })
        await watcher.next((m) => m.type === 'model_changed' && m.data.model === 'claude-x-test', 5000)
        await watcher.next(
          (m) => m.type === 'permission_mode_changed' && m.data.permission_mode === 'acceptEdits',
          5000,
        )

        const before = t.e.mock!.requests.length
        const next = await execute(t.e, { prompt: 'again', session_id: first.session_id })
        const c = await watch(t.e, next.websocket_url)
        expect((await untilTerminal(c, next.execution_id)).data.status).toBe('completed')
        expect(t.e.mock!.requests.slice(before).map((r) => r.model)).toContain('claude-x-test')
        expect(cliEvents(c.messages).find((ev) => ev.type === 'system' && ev.subtype === 'init')).toMatchObject({
          permissionMode: 'acceptEdits',
          model: 'claude-x-test',
        })
      }, 40_000)
    },
  )
}

describe.skipIf(!requireRealCli('permission late joiner (real CLI)'))(
  'late joiners and sessions without a process',
  () => {
    test('a collaborator who joins after the request sees it in session_state and in a since-replay, and answers it', async () => {
      t = await startTeam(CLIS[0][1])
      t.e.mock!.enqueue(writeCall(t, 'joiner.txt'), reply.text('done'))
      const { ex, c, request } = await runUntilAsked(t, { prompt: 'write' })
      const phone = await socket(t.e, t.carol.token)
      const joined = await phone.request({ type: 'session_join', session_id: ex.session_id })
      expect(joined.type).toBe('success')
      const state = await phone.next((m) => m.type === 'session_state', 5000)
      expect(state.data.pending_permissions).toEqual([
        expect.objectContaining({ request_id: request.request_id, status: 'pending', kind: 'tool' }),
      ])
      expect(state.data.current_execution).toMatchObject({ id: ex.execution_id, status: 'waiting_for_permission' })
      const replay = await socket(t.e, t.carol.token)
      await replay.subscribe(`session:${ex.session_id}`, 0)
      await replay.next((m) => m.type === 'permission_request' && m.data.request_id === request.request_id, 5000)
      const r = await phone.request(
        { type: 'permission_response', data: { request_id: request.request_id, decision: 'allow' } },
        10_000,
      )
      expect(r.data.request).toMatchObject({ status: 'allowed', decided_by: { username: 'carol' } })
      expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
      expect(existsSync(join(t.e.workspacePath, 'joiner.txt'))).toBe(true)
    }, 40_000)

    test("policy: nobody is asked for a tool the run's user may not use; an answerer may not allow beyond their own policy; persist is admin-only", async () => {
      t = await startTeam(CLIS[0][1])
      // bob (role user, default policy: no Bash) runs: his Bash call is denied by cchub at once, nobody is asked
      t.e.mock!.enqueue(
        reply.toolUse('Bash', { command: 'touch bob.txt', description: 'touch' }, { id: 'toolu_bob_bash' }),
        reply.text('ok'),
      )
      const bobs = await runUntilAsked(t, { prompt: 'touch' }, t.bob.token)
      expect(await resolvedOn(bobs.c, bobs.request.request_id)).toMatchObject({
        status: 'denied',
        by: { user_id: null, username: 'cchub' },
        message: expect.stringContaining('Bash'),
      })
      expect((await untilTerminal(bobs.c, bobs.ex.execution_id)).data.status).toBe('completed')
      expect(toolResultsSent(t).find((b) => b.tool_use_id === 'toolu_bob_bash')).toMatchObject({
        is_error: true,
        content: expect.stringContaining("Denied by cchub's policy"),
      })

      // the admin's run: bob may allow a Write once but not persist it; he may not allow Bash at all; the admin may
      // persist
      t.e.mock!.enqueue(
        writeCall(t, 'w.txt'),
        reply.toolUse('Bash', { command: 'touch p.txt', description: 'touch' }, { id: 'toolu_admin_bash' }),
        reply.text('done'),
      )
      const { ex, c, request } = await runUntilAsked(t, { prompt: 'write then touch' })
      expectError(
        await answerRest(t, ex.session_id, request.request_id, { decision: 'allow', scope: 'persist' }, t.bob.token),
        403,
        'FORBIDDEN',
      )
      expect((await answerRest(t, ex.session_id, request.request_id, { decision: 'allow' }, t.bob.token)).status).toBe(
        200,
      )
      const bash = (await c.next((m) => m.type === 'permission_request' && m.data.tool_name === 'Bash', 20_000)).data
      const refused = await answerRest(t, ex.session_id, bash.request_id, { decision: 'allow' }, t.bob.token)
      expect(refused).toMatchObject({
        status: 403,
        body: { code: 'FORBIDDEN', message: expect.stringContaining('You may not allow Bash') },
      })
      expect(
        (await answerRest(t, ex.session_id, bash.request_id, { decision: 'allow', scope: 'persist' })).status,
      ).toBe(200)
      expect((await resolvedOn(c, bash.request_id)).updated_permissions).toContainEqual(
        expect.objectContaining({ type: 'addRules', destination: 'localSettings' }),
      )
      expect((await untilTerminal(c, ex.execution_id)).data.status).toBe('completed')
      expect([existsSync(join(t.e.workspacePath, 'w.txt')), existsSync(join(t.e.workspacePath, 'p.txt'))]).toEqual([
        true,
        true,
      ])
    }, 60_000)

    test('set_model without a live process is NO_LIVE_PROCESS; an unknown request id is NOT_FOUND', async () => {
      t = await startTeam(CLIS[0][1])
      const first = await execute(t.e, { prompt: 'hello' })
      await waitStatus(t.e, first.execution_id, ['completed'])
      expect(
        (await t.e.s.api(`/api/v1/claude/sessions/${first.session_id}`, { method: 'DELETE', token: t.e.admin })).status,
      ).toBe(200)
      const r = await (await socket(t.e, t.bob.token)).request(
        { type: 'set_model', data: { session_id: first.session_id, model: 'claude-x' } },
        10_000,
      )
      expect(r.data.code).toBe('NO_LIVE_PROCESS')
      expectError(await answerRest(t, first.session_id, 'nope', { decision: 'allow' }), 404, 'NOT_FOUND')
    }, 40_000)
  },
)
