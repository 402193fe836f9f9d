// Who may do what with files: viewers read, collaborators upload, owners manage; others get 404.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectError } from '../foundation/helpers.ts'
import { WsClient } from '../support/ws-client.ts'
import { createSession, startFilesEnv, upload, uploadOk, type FilesEnv } from './helpers.ts'

let e: FilesEnv
beforeAll(async () => {
  e = await startFilesEnv()
})
afterAll(() => e.s.close())

const tokenOf = (who: 'owner' | 'collaborator' | 'viewer' | 'stranger' | 'admin') =>
  who === 'admin' ? e.admin : e[who].token
const sessionFile = (name: string, who: 'owner' | 'collaborator' = 'collaborator') =>
  uploadOk(e.s, tokenOf(who), { session_id: e.sessionId }, name, `content of ${name}`)

describe('session files', () => {
  test('upload: owner, collaborator and admin yes; viewer 403; stranger 404', async () => {
    const statuses: Record<string, number> = {}
    for (const who of ['owner', 'collaborator', 'admin', 'viewer', 'stranger'] as const) {
      const res = await upload(e.s, tokenOf(who), [
        { name: 'session_id', data: e.sessionId },
        { name: 'file', filename: `${who}.txt`, data: who },
      ])
      statuses[who] = res.status
      await res.arrayBuffer()
    }
    expect(statuses).toEqual({ owner: 201, collaborator: 201, admin: 201, viewer: 403, stranger: 404 })
  })

  test('list and download: every participant yes; stranger 404 (list and file alike)', async () => {
    const f = await sessionFile('readable.txt')
    for (const who of ['owner', 'collaborator', 'viewer', 'admin'] as const) {
      const list = await e.s.api(`/api/v1/files?session_id=${e.sessionId}`, { token: tokenOf(who) })
      expect(list.status).toBe(200)
      expect((await list.json()).files.some((x: any) => x.file_id === f.file_id)).toBe(true)
      const dl = await e.s.api(`/api/v1/files/${f.file_id}`, { token: tokenOf(who) })
      expect(dl.status).toBe(200)
      expect(await dl.text()).toBe('content of readable.txt')
      expect((await e.s.api(`/api/v1/files/${f.file_id}/info`, { token: tokenOf(who) })).status).toBe(200)
    }
    await expectError(
      await e.s.api(`/api/v1/files?session_id=${e.sessionId}`, { token: e.stranger.token }),
      404,
      'NOT_FOUND',
    )
    await expectError(await e.s.api(`/api/v1/files/${f.file_id}`, { token: e.stranger.token }), 404, 'NOT_FOUND')
    await expectError(await e.s.api(`/api/v1/files/${f.file_id}/info`, { token: e.stranger.token }), 404, 'NOT_FOUND')
    await expectError(
      await e.s.api(`/api/v1/files?workspace_id=${e.workspaceId}`, { token: e.stranger.token }),
      404,
      'NOT_FOUND',
    )
    await expectError(await e.s.api('/api/v1/files', { token: e.owner.token }), 422, 'VALIDATION_FAILED')
  })

  test('delete: viewer 403, stranger 404, collaborator only their own, session owner and admin any', async () => {
    const mine = await sessionFile('collab-own.txt')
    const owners = await sessionFile('owner-own.txt', 'owner')
    const other = await sessionFile('other.txt')
    const del = (id: string, who: Parameters<typeof tokenOf>[0]) =>
      e.s.api(`/api/v1/files/${id}`, { method: 'DELETE', token: tokenOf(who) })
    await expectError(await del(mine.file_id, 'viewer'), 403, 'FORBIDDEN')
    await expectError(await del(mine.file_id, 'stranger'), 404, 'NOT_FOUND')
    await expectError(await del(owners.file_id, 'collaborator'), 403, 'FORBIDDEN')
    expect((await del(mine.file_id, 'collaborator')).status).toBe(200)
    expect((await del(owners.file_id, 'owner')).status).toBe(200)
    expect((await del(other.file_id, 'admin')).status).toBe(200)
    await expectError(await del(other.file_id, 'admin'), 404, 'NOT_FOUND')
  })

  test('share: needs read on the file and collaborator on the target session', async () => {
    const f = await sessionFile('to-share.txt')
    // the viewer of the source is a collaborator of target A and only a viewer of target B
    const targetA = await createSession(e.s, e.workspaceId, e.owner.id, { [e.viewer.id]: 'collaborator' })
    const targetB = await createSession(e.s, e.workspaceId, e.owner.id, {
      [e.viewer.id]: 'viewer',
      [e.stranger.id]: 'collaborator',
    })
    const share = (who: Parameters<typeof tokenOf>[0], session_id: string) =>
      e.s.api(`/api/v1/files/${f.file_id}/share`, { token: tokenOf(who), body: { session_id } })
    const ok = await share('viewer', targetA)
    expect(ok.status).toBe(201)
    expect((await ok.json()).session_id).toBe(targetA)
    await expectError(await share('viewer', targetB), 403, 'FORBIDDEN')
    await expectError(await share('stranger', targetB), 404, 'NOT_FOUND') // cannot read the file
    // a session in the stranger's own workspace: the collaborator cannot see it at all
    const theirs = (await (
      await e.s.api('/api/v1/workspaces', { token: e.stranger.token, body: { name: 'theirs' } })
    ).json()) as { id: string }
    const hidden = await createSession(e.s, theirs.id, e.stranger.id)
    await expectError(await share('collaborator', hidden), 404, 'NOT_FOUND')
    await expectError(await share('collaborator', 'no-such-session'), 404, 'NOT_FOUND')
  })

  test('the WebSocket share_file and delete_file commands apply the same rules', async () => {
    const f = await sessionFile('ws-cmd.txt')
    const target = await createSession(e.s, e.workspaceId, e.owner.id, { [e.collaborator.id]: 'collaborator' })
    const sock = async (token: string) => {
      const c = await WsClient.connect(`${e.s.wsUrl}?token=${encodeURIComponent(token)}`)
      await c.next((m) => m.type === 'connected')
      return c
    }
    const v = await sock(e.viewer.token)
    const c = await sock(e.collaborator.token)
    try {
      expect(
        (await v.request({ type: 'share_file', data: { file_id: f.file_id, target_session_id: target } })).data.code,
      ).toBe('NOT_FOUND')
      expect((await v.request({ type: 'delete_file', data: { file_id: f.file_id } })).data.code).toBe('FORBIDDEN')
      const shared = await c.request({ type: 'share_file', data: { file_id: f.file_id, target_session_id: target } })
      expect(shared.type).toBe('success')
      expect(shared.data.file).toMatchObject({ session_id: target, sha256: f.sha256 })
      expect((await c.request({ type: 'delete_file', data: { file_id: f.file_id } })).data).toMatchObject({
        deleted: true,
      })
    } finally {
      await Promise.all([v.close(), c.close()])
    }
  })
})

describe('workspace files', () => {
  test('workspace members: viewer members list and download but cannot upload; collaborator members upload', async () => {
    const res = await e.s.api('/api/v1/workspaces', { token: e.owner.token, body: { name: 'team' } })
    const ws = (await res.json()) as { id: string }
    const member = (userId: string, session_role: string) =>
      e.s.api(`/api/v1/workspaces/${ws.id}/members/${userId}`, {
        method: 'PUT',
        token: e.owner.token,
        body: { session_role },
      })
    expect((await member(e.viewer.id, 'viewer')).status).toBe(200)
    expect((await member(e.collaborator.id, 'collaborator')).status).toBe(200)
    const f = await uploadOk(e.s, e.collaborator.token, { workspace_id: ws.id }, 'ws.txt', 'w')
    await expectError(
      await upload(e.s, e.viewer.token, [
        { name: 'workspace_id', data: ws.id },
        { name: 'file', filename: 'v.txt', data: 'v' },
      ]),
      403,
      'FORBIDDEN',
    )
    await expectError(
      await upload(e.s, e.stranger.token, [
        { name: 'workspace_id', data: ws.id },
        { name: 'file', filename: 's.txt', data: 's' },
      ]),
      404,
      'NOT_FOUND',
    )
    const list = await (await e.s.api(`/api/v1/files?workspace_id=${ws.id}`, { token: e.viewer.token })).json()
    expect(list.files.map((x: any) => x.file_id)).toEqual([f.file_id])
    expect((await e.s.api(`/api/v1/files/${f.file_id}`, { token: e.viewer.token })).status).toBe(200)
    await expectError(
      await e.s.api(`/api/v1/files/${f.file_id}`, { method: 'DELETE', token: e.viewer.token }),
      403,
      'FORBIDDEN',
    )
    expect((await e.s.api(`/api/v1/files/${f.file_id}`, { method: 'DELETE', token: e.owner.token })).status).toBe(200)
  })
})
