// Prompts in a shared session (fake CLI): collaborators prompt and cancel, viewers cannot, and the log names who asked.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { execute, socket, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { SETUP_TIMEOUT } from './helpers.ts'

let e: Env
const u = {} as Record<'bob' | 'carol' | 'dave', { id: string; token: string }>
beforeAll(async () => {
  e = await startEnv({ cli: 'fake', config: { wsRateLimit: 1000, wsRateBurst: 1000 } })
  for (const n of ['bob', 'carol', 'dave'] as const) u[n] = await e.s.createUser(e.admin, n)
}, SETUP_TIMEOUT)
afterAll(() => stopEnv(e))

describe('prompt attribution', () => {
  test('a collaborator who is not a workspace member prompts; the session log shows who sent each prompt', async () => {
    const first = await execute(e, { prompt: 'first, from the admin' })
    await waitStatus(e, first.execution_id)
    const sid = first.session_id
    for (const [n, role] of [
      ['bob', 'collaborator'],
      ['carol', 'viewer'],
    ] as const) {
      const res = await e.s.api(`/api/v1/claude/sessions/${sid}/participants`, {
        token: e.admin,
        body: { user_id: u[n].id, role },
      })
      expect(res.status).toBe(201)
    }
    const watcher = await socket(e, u.carol.token)
    expect((await watcher.request({ type: 'session_join', session_id: sid })).type).toBe('success')
    const state = (await watcher.next((m) => m.type === 'session_state')).data
    expect(state.history.filter((h: any) => h.type === 'prompt').map((h: any) => h.data.username)).toEqual(['admin'])

    // viewer and outsider may not prompt; the collaborator may, without being a member of the workspace
    const as = (token: string, prompt: string) =>
      e.s.api('/api/v1/claude/execute', { token, body: { workspace_id: e.workspaceId, session_id: sid, prompt } })
    expect((await as(u.carol.token, 'from the viewer')).status).toBe(403)
    expect((await as(u.dave.token, 'from an outsider')).status).toBe(404)
    const res = await as(u.bob.token, 'second, from bob')
    expect(res.status).toBe(202)
    const second = (await res.json()) as { execution_id: string; session_id: string }
    expect(second.session_id).toBe(sid)

    const prompt = await watcher.next((m) => m.type === 'prompt' && m.data.execution_id === second.execution_id, 5000)
    expect(prompt.data).toMatchObject({ user_id: u.bob.id, username: 'bob', prompt: 'second, from bob' })
    expect(prompt.seq).toBeGreaterThan(state.seq)
    // a viewer cannot cancel bob's execution
    expect(
      (
        await e.s.api(`/api/v1/claude/executions/${second.execution_id}/cancel`, {
          method: 'POST',
          token: u.carol.token,
        })
      ).status,
    ).toBe(403)
    await waitStatus(e, second.execution_id)

    const logs = (await (await e.s.api(`/api/v1/claude/sessions/${sid}/logs`, { token: u.carol.token })).json()) as any
    const prompts = logs.logs
      .filter((l: any) => l.type === 'prompt')
      .map((l: any) => [l.data.username, l.data.user_id, l.data.prompt])
    expect(prompts).toEqual([
      ['admin', e.adminId, 'first, from the admin'],
      ['bob', u.bob.id, 'second, from bob'],
    ])
  }, 30_000)
})
