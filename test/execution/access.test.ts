// Access on every execution/session route and WebSocket command: outsider, workspace viewer, collaborator, owner.
import { afterEach, describe, expect, test } from 'bun:test'
import { createWorkspace, execute, socket, startEnv, stopEnv, waitStatus, type Env } from './helpers.ts'
import type { WsClient } from '../support/ws-client.ts'

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

interface Cast {
  owner: { id: string; token: string }
  collab: { id: string; token: string }
  viewer: { id: string; token: string }
  outsider: { id: string; token: string }
  ws: string
  /** A running (hanging) execution of the owner, on its own new session. */
  x: { execution_id: string; session_id: string; websocket_url: string }
}

/** Fake CLI in hang mode: executions stay running until cancelled. Owner is a regular user who owns the workspace. */
async function cast(): Promise<Cast> {
  e = await startEnv({ cli: 'fake', config: { claudeMaxPerUser: 4 }, env: { FAKE_CLAUDE_MODE: 'hang' } })
  const [owner, collab, viewer, outsider] = await Promise.all(
    ['owner', 'collab', 'viewer', 'outsider'].map((n) => e!.s.createUser(e!.admin, n)),
  )
  const ws = (await createWorkspace(e.s, owner!.token, 'team')).id
  for (const [u, role] of [
    [collab!, 'collaborator'],
    [viewer!, 'viewer'],
  ] as const) {
    const res = await e.s.api(`/api/v1/workspaces/${ws}/members/${u.id}`, {
      method: 'PUT',
      token: owner!.token,
      body: { session_role: role },
    })
    expect(res.status).toBeLessThan(300)
  }
  const x = await execute(e, { workspace_id: ws, prompt: 'owner prompt' }, owner!.token)
  await waitStatus(e, x.execution_id, ['running'], 10_000)
  return { owner: owner!, collab: collab!, viewer: viewer!, outsider: outsider!, ws, x }
}

async function call(
  token: string,
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await e!.s.api(path, { token, method, ...(body === undefined ? {} : { body }) })
  return { status: res.status, body: await res.json().catch(() => null) }
}

describe('access control', () => {
  test('REST: outsider sees nothing (404), viewer reads but may not prompt/cancel/close (403), collaborator prompts and cancels, owner closes (then 409)', async () => {
    const c = await cast()
    const X = c.x.execution_id
    const S = c.x.session_id
    const reads = [
      `/api/v1/claude/executions/${X}`,
      `/api/v1/claude/sessions/${S}`,
      `/api/v1/claude/sessions/${S}/logs`,
      `/api/v1/claude/executions?session_id=${S}`,
      `/api/v1/claude/sessions?workspace_id=${c.ws}`,
    ]

    // outsider: every route answers 404, as if nothing existed
    for (const path of reads)
      expect({ path, status: (await call(c.outsider.token, path)).status }).toEqual({ path, status: 404 })
    expect((await call(c.outsider.token, `/api/v1/claude/executions/${X}/cancel`, 'POST')).status).toBe(404)
    expect((await call(c.outsider.token, `/api/v1/claude/sessions/${S}`, 'DELETE')).status).toBe(404)
    const outNew = await call(c.outsider.token, '/api/v1/claude/execute', 'POST', {
      workspace_id: c.ws,
      prompt: 'let me in',
    })
    expect(outNew).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } })
    expect(
      (
        await call(c.outsider.token, '/api/v1/claude/execute', 'POST', {
          workspace_id: c.ws,
          session_id: S,
          prompt: 'x',
        })
      ).status,
    ).toBe(404)
    const outList = await call(c.outsider.token, '/api/v1/claude/executions')
    expect(outList.body.executions.map((x: any) => x.id)).not.toContain(X)
    expect((await call(c.outsider.token, '/api/v1/claude/sessions')).body.sessions).toEqual([])

    // viewer: reads everything, changes nothing
    for (const path of reads)
      expect({ path, status: (await call(c.viewer.token, path)).status }).toEqual({ path, status: 200 })
    expect((await call(c.viewer.token, `/api/v1/claude/sessions/${S}`)).body).toMatchObject({
      role: 'viewer',
      current_execution_id: X,
    })
    expect((await call(c.viewer.token, `/api/v1/claude/executions?session_id=${S}`)).body.total).toBe(1)
    const vExec = await call(c.viewer.token, '/api/v1/claude/execute', 'POST', {
      workspace_id: c.ws,
      session_id: S,
      prompt: 'viewer prompt',
    })
    expect(vExec).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } })
    const vNew = await call(c.viewer.token, '/api/v1/claude/execute', 'POST', {
      workspace_id: c.ws,
      prompt: 'my own session?',
    })
    expect(vNew).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } })
    expect((await call(c.viewer.token, `/api/v1/claude/executions/${X}/cancel`, 'POST')).status).toBe(403)
    expect((await call(c.viewer.token, `/api/v1/claude/sessions/${S}`, 'DELETE')).status).toBe(403)
    expect((await call(c.owner.token, `/api/v1/claude/executions/${X}`)).body.status).toBe('running')

    // collaborator: may prompt on the session (queued behind the running turn) and cancel, not close
    expect((await call(c.collab.token, `/api/v1/claude/sessions/${S}`)).body.role).toBe('collaborator')
    expect((await call(c.collab.token, `/api/v1/claude/sessions/${S}`, 'DELETE')).status).toBe(403)
    const cExec = await call(c.collab.token, '/api/v1/claude/execute', 'POST', {
      workspace_id: c.ws,
      session_id: S,
      prompt: 'collab prompt',
    })
    expect(cExec.status).toBe(202)
    expect(cExec.body).toMatchObject({ session_id: S, status: 'queued', queue_position: 1 })
    const cancel = await call(c.collab.token, `/api/v1/claude/executions/${X}/cancel`, 'POST')
    expect(cancel).toMatchObject({ status: 200, body: { status: 'cancelled', error: 'Cancelled by collab' } })
    await waitStatus(e!, cExec.body.execution_id, ['running'], 5000)
    // a collaborator may start a session of their own in the workspace, too
    const cNew = await call(c.collab.token, '/api/v1/claude/execute', 'POST', {
      workspace_id: c.ws,
      prompt: 'collab session',
    })
    expect(cNew.status).toBe(202)

    // owner closes the session: the running turn is cancelled, further prompts are refused
    const closed = await call(c.owner.token, `/api/v1/claude/sessions/${S}`, 'DELETE')
    expect(closed).toMatchObject({ status: 200, body: { status: 'closed' } })
    expect(closed.body.closed_at).not.toBeNull()
    expect(await waitStatus(e!, cExec.body.execution_id, ['cancelled'], 5000)).toMatchObject({
      error: 'Session closed by owner',
    })
    for (const u of [c.owner, c.collab]) {
      const again = await call(u.token, '/api/v1/claude/execute', 'POST', {
        workspace_id: c.ws,
        session_id: S,
        prompt: 'still there?',
      })
      expect(again).toMatchObject({ status: 409, body: { code: 'SESSION_CLOSED' } })
    }
    // closing twice is harmless; an admin (not a participant) may read and close anything
    expect((await call(c.owner.token, `/api/v1/claude/sessions/${S}`, 'DELETE')).status).toBe(200)
    expect((await call(e!.admin, `/api/v1/claude/sessions/${S}`)).body).toMatchObject({
      role: 'owner',
      status: 'closed',
    })
    expect(
      (await call(e!.admin, `/api/v1/claude/executions/${cNew.body.execution_id}/cancel`, 'POST')).body.status,
    ).toBe('cancelled')
  }, 30_000)

  test('the session list says what each session is doing; the owner reopens a closed session (others 403/404), which takes prompts again', async () => {
    const c = await cast()
    const S = c.x.session_id
    const listed = async () =>
      (await call(c.collab.token, `/api/v1/claude/sessions?workspace_id=${c.ws}`)).body.sessions.find(
        (s: { id: string }) => s.id === S,
      )
    expect(await listed()).toMatchObject({ current_status: 'running', current_execution_id: c.x.execution_id })
    expect((await call(c.owner.token, `/api/v1/claude/sessions/${S}`, 'DELETE')).status).toBe(200)
    await waitStatus(e!, c.x.execution_id, ['cancelled'], 5000)
    expect(await listed()).toMatchObject({ status: 'closed', current_status: null, current_execution_id: null })

    const reopen = (token: string) => call(token, `/api/v1/claude/sessions/${S}/reopen`, 'POST')
    expect(await reopen(c.collab.token)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } })
    expect(await reopen(c.outsider.token)).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } })
    expect(await reopen(c.owner.token)).toMatchObject({ status: 200, body: { status: 'active', closed_at: null } })
    const again = await call(c.owner.token, '/api/v1/claude/execute', 'POST', {
      workspace_id: c.ws,
      session_id: S,
      prompt: 'and on',
    })
    expect(again.status).toBe(202)
    expect((await reopen(c.owner.token)).status).toBe(200) // reopening an open session is harmless
  }, 30_000)

  test('WebSocket: command execute/cancel (and claude_message) obey the same rules; subscribing needs read access', async () => {
    const c = await cast()
    const X = c.x.execution_id
    const S = c.x.session_id
    const [own, col, vie, out] = await Promise.all(
      [c.owner, c.collab, c.viewer, c.outsider].map((u) => socket(e!, u.token)),
    )
    const cmd = (s: WsClient, data: Record<string, unknown>, type = 'command') => s.request({ type, data }, 5000)

    // owner: execute over the socket, answered with the ids
    const started = await cmd(own!, { action: 'execute', workspace_id: c.ws, prompt: 'from the socket' })
    expect(started.type).toBe('success')
    expect(started.data).toMatchObject({ action: 'execute', status: expect.any(String) })
    expect(started.data.execution_id).toBeString()
    expect(started.data.session_id).toBeString()
    expect(started.data.websocket_url).toBe(`/ws/executions/${started.data.execution_id}`)
    await waitStatus(e!, started.data.execution_id, ['running'], 5000)

    // outsider: not found for commands, forbidden for subscriptions
    expect((await cmd(out!, { action: 'execute', workspace_id: c.ws, prompt: 'x' })).data.code).toBe('NOT_FOUND')
    expect((await cmd(out!, { action: 'execute', workspace_id: c.ws, session_id: S, prompt: 'x' })).data.code).toBe(
      'NOT_FOUND',
    )
    expect((await cmd(out!, { action: 'cancel', execution_id: X })).data.code).toBe('NOT_FOUND')
    for (const ch of [`task:${X}`, `session:${S}`, `workspace:${c.ws}`]) {
      const r = await out!.request({ type: 'subscribe', channel: ch })
      expect({ ch, type: r.type, code: r.data.code }).toEqual({ ch, type: 'error', code: 'FORBIDDEN' })
    }
    const outWatch = await e!.pool.connect(
      `${e!.s.url.replace(/^http/, 'ws')}/ws/executions/${X}?token=${encodeURIComponent(c.outsider.token)}`,
    )
    expect((await outWatch.next((m) => m.type === 'error', 5000)).data.code).toBe('FORBIDDEN')
    expect(outWatch.messages.some((m) => m.channel === `task:${X}`)).toBe(false)

    // viewer: may watch, may not act
    await vie!.subscribe(`task:${X}`)
    await vie!.subscribe(`session:${S}`)
    expect((await cmd(vie!, { action: 'execute', workspace_id: c.ws, session_id: S, prompt: 'x' })).data.code).toBe(
      'FORBIDDEN',
    )
    expect((await cmd(vie!, { action: 'execute', workspace_id: c.ws, prompt: 'x' })).data.code).toBe('FORBIDDEN')
    expect((await cmd(vie!, { action: 'cancel', execution_id: X })).data.code).toBe('FORBIDDEN')
    expect((await cmd(vie!, { action: 'cancel', execution_id: X }, 'claude_message')).data.code).toBe('FORBIDDEN')

    // collaborator: prompt through the seed-001 alias, cancel through command
    const queued = await cmd(
      col!,
      { action: 'execute', workspace_id: c.ws, session_id: S, prompt: 'collab via socket' },
      'claude_message',
    )
    expect(queued.type).toBe('success')
    expect(queued.data).toMatchObject({ action: 'execute', session_id: S, queue_position: 1 })
    const cancelled = await cmd(col!, { action: 'cancel', execution_id: X })
    expect(cancelled.type).toBe('success')
    expect(cancelled.data).toMatchObject({
      action: 'cancel',
      execution: { id: X, status: 'cancelled', error: 'Cancelled by collab' },
    })
    // the viewer watching the session saw the cancel and the collaborator's prompt, attributed
    await vie!.until(
      () =>
        vie!
          .channelMessages(`session:${S}`)
          .some((m) => m.type === 'status' && m.data.execution_id === X && m.data.status === 'cancelled'),
      5000,
    )
    await vie!.until(
      () =>
        vie!
          .channelMessages(`session:${S}`)
          .some((m) => m.type === 'prompt' && m.data.username === 'collab' && m.data.prompt === 'collab via socket'),
      5000,
    )
    expect((await cmd(col!, { action: 'cancel', execution_id: X })).data.code).toBe('CONFLICT')

    // the checks of the REST body apply to the command too
    const bad = await cmd(own!, { action: 'execute', workspace_id: c.ws, prompt: 'x', max_turns: 0 })
    expect(bad.type).toBe('error')
    expect(bad.data.code).toBe('VALIDATION_FAILED')
    expect(
      (await cmd(own!, { action: 'execute', workspace_id: c.ws, prompt: 'x', permission_mode: 'bypassPermissions' }))
        .data.code,
    ).toBe('FORBIDDEN')
  }, 30_000)
})
