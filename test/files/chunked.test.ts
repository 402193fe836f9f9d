// WebSocket chunked upload: progress, interrupted and resumed on a new socket, limits, roles, expiry, restart.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer } from '../support/server.ts'
import { WsClient } from '../support/ws-client.ts'
import { sha256, startFilesEnv, type FilesEnv } from './helpers.ts'
import { waitFor } from '../support/wait.ts'

let e: FilesEnv
const clients: WsClient[] = []
beforeAll(async () => {
  e = await startFilesEnv({ maxUploadBytes: 256 * 1024 })
})
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await e.s.close()
})

async function socket(token: string, url = e.s.wsUrl): Promise<WsClient> {
  const c = await WsClient.connect(`${url}?token=${encodeURIComponent(token)}`)
  clients.push(c)
  await c.next((m) => m.type === 'connected')
  return c
}
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
const chunksOf = (data: Uint8Array, size: number) =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size))

describe('chunked upload', () => {
  test('interrupted mid-way, resumed on a new socket with upload_status, assembled in order', async () => {
    const data = crypto.getRandomValues(new Uint8Array(100_000))
    const chunks = chunksOf(data, 8192) // 13 chunks
    const watcher = await socket(e.owner.token)
    await watcher.subscribe(`session:${e.sessionId}`)

    const a = await socket(e.collaborator.token)
    const start = await a.request({
      type: 'upload_start',
      data: {
        filename: '../resumed.bin',
        size: data.length,
        content_type: 'application/octet-stream',
        total_chunks: chunks.length,
        session_id: e.sessionId,
      },
    })
    expect(start.type).toBe('success')
    expect(start.data).toMatchObject({ total_chunks: 13, size: 100_000 })
    expect(start.data.chunk_size).toBeGreaterThan(0)
    const fileId = start.data.file_id as string
    for (let i = 0; i < 5; i++) {
      const p = await a.request({
        type: 'upload_chunk',
        data: { file_id: fileId, chunk_index: i, data: b64(chunks[i]!), is_last: false },
      })
      expect(p.type).toBe('upload_progress')
      expect(p.data).toMatchObject({
        file_id: fileId,
        chunk_index: i,
        received_chunks: i + 1,
        total_chunks: 13,
        bytes_received: (i + 1) * 8192,
      })
    }
    a.send({ type: 'upload_chunk', data: { file_id: fileId, chunk_index: 5, data: b64(chunks[5]!) } })
    const sock = a.ws as unknown as { terminate?: () => void; close(): void }
    if (sock.terminate)
      sock.terminate() // the connection drops; chunk 5 may or may not have arrived
    else sock.close()
    await a.closed

    const b = await socket(e.collaborator.token)
    const st = await b.request({ type: 'upload_status', data: { file_id: fileId } })
    expect(st.type).toBe('success')
    expect(st.data.complete).toBe(false)
    const missing = st.data.missing as number[]
    expect(missing.slice(-7)).toEqual([6, 7, 8, 9, 10, 11, 12])
    expect(missing.every((i) => i >= 5)).toBe(true)
    // resend only the missing ones, last first, so assembly order cannot come from arrival order
    let final
    for (const i of [...missing].reverse()) {
      final = await b.request({
        type: 'upload_chunk',
        data: { file_id: fileId, chunk_index: i, data: b64(chunks[i]!), is_last: i === 12 },
      })
    }
    expect(final!.type).toBe('file_uploaded')
    expect(final!.data).toMatchObject({
      file_id: fileId,
      name: 'resumed.bin',
      size: 100_000,
      sha256: sha256(data),
      session_id: e.sessionId,
      owner_id: e.collaborator.id,
    })
    expect(b.messages.some((m) => m.type === 'upload_progress' && m.data.percent === 100)).toBe(true)
    const ev = await watcher.next((m) => m.type === 'file_uploaded' && m.data.file_id === fileId)
    expect(ev.channel).toBe(`session:${e.sessionId}`)

    const dl = await e.s.api(`/api/v1/files/${fileId}`, { token: e.viewer.token })
    expect(sha256(new Uint8Array(await dl.arrayBuffer()))).toBe(sha256(data))
    // after completion: status says complete; a repeated last chunk gets the same file_uploaded, nothing new is stored
    const again = await b.request({ type: 'upload_status', data: { file_id: fileId } })
    expect(again.data).toMatchObject({ complete: true, missing: [], file: { file_id: fileId } })
    const dup = await b.request({
      type: 'upload_chunk',
      data: { file_id: fileId, chunk_index: 12, data: b64(chunks[12]!), is_last: true },
    })
    expect(dup.type).toBe('file_uploaded')
    expect(readdirSync(join(e.s.dataDir, 'tmp', 'chunks'))).toEqual([])
  })

  test('limits: declared size, bytes beyond the declared size, a short total, bad chunk data', async () => {
    const c = await socket(e.collaborator.token)
    const start = (d: Record<string, unknown>) =>
      c.request({ type: 'upload_start', data: { filename: 'x.bin', session_id: e.sessionId, ...d } })
    let r = await start({ size: 256 * 1024 + 1, total_chunks: 1 })
    expect(r.data.code).toBe('PAYLOAD_TOO_LARGE')
    r = await start({ size: 10, total_chunks: 11 })
    expect(r.data.code).toBe('VALIDATION_FAILED')
    r = await start({ size: 10, total_chunks: 2 })
    const id = r.data.file_id
    r = await c.request({ type: 'upload_chunk', data: { file_id: id, chunk_index: 0, data: b64(new Uint8Array(11)) } })
    expect(r.data.code).toBe('PAYLOAD_TOO_LARGE')
    r = await c.request({ type: 'upload_chunk', data: { file_id: id, chunk_index: 2, data: b64(new Uint8Array(1)) } })
    expect(r.data.code).toBe('VALIDATION_FAILED')
    r = await c.request({ type: 'upload_chunk', data: { file_id: id, chunk_index: 0, data: '***not base64***' } })
    expect(r.data.code).toBe('VALIDATION_FAILED')
    r = await c.request({ type: 'upload_chunk', data: { file_id: id, chunk_index: 0, data: b64(new Uint8Array(4)) } })
    expect(r.type).toBe('upload_progress')
    r = await c.request({ type: 'upload_chunk', data: { file_id: id, chunk_index: 1, data: b64(new Uint8Array(4)) } })
    expect(r.type).toBe('error')
    expect(r.data.message).toContain('8 bytes, not the declared 10')
    expect(existsSync(join(e.s.dataDir, 'tmp', 'chunks', id))).toBe(false)
    r = await c.request({
      type: 'upload_cancel',
      data: { file_id: (await start({ size: 1, total_chunks: 1 })).data.file_id },
    })
    expect(r.data.cancelled).toBe(true)
  })

  test('roles: viewers and strangers cannot start; nobody else can feed or inspect my upload', async () => {
    const v = await socket(e.viewer.token)
    let r = await v.request({
      type: 'upload_start',
      data: { filename: 'v.txt', size: 1, total_chunks: 1, session_id: e.sessionId },
    })
    expect(r.data.code).toBe('FORBIDDEN')
    const s = await socket(e.stranger.token)
    r = await s.request({
      type: 'upload_start',
      data: { filename: 's.txt', size: 1, total_chunks: 1, session_id: e.sessionId },
    })
    expect(r.data.code).toBe('NOT_FOUND')
    const c = await socket(e.collaborator.token)
    const id = (
      await c.request({
        type: 'upload_start',
        data: { filename: 'mine.txt', size: 1, total_chunks: 1, session_id: e.sessionId },
      })
    ).data.file_id
    const o = await socket(e.owner.token)
    r = await o.request({ type: 'upload_chunk', data: { file_id: id, chunk_index: 0, data: b64(new Uint8Array(1)) } })
    expect(r.data.code).toBe('NOT_FOUND')
    r = await o.request({ type: 'upload_status', data: { file_id: id } })
    expect(r.data.code).toBe('NOT_FOUND')
    r = await c.request({ type: 'upload_chunk', data: { file_id: id, chunk_index: 0, data: b64(Buffer.from('!')) } })
    expect(r.type).toBe('file_uploaded')
  })

  test("the client's own file_id names the upload: chunks, status and cancel use it; another user's is not mine", async () => {
    const data = new TextEncoder().encode('first half|second half')
    const mine = `${Date.now()}-abc123xyz`
    const a = await socket(e.collaborator.token)
    const start = await a.request({
      type: 'upload_start',
      data: { file_id: mine, filename: 'own-id.txt', size: data.length, total_chunks: 2, session_id: e.sessionId },
    })
    expect(start.data).toMatchObject({ client_file_id: mine })
    expect(start.data.file_id).not.toBe(mine)
    const again = await a.request({
      type: 'upload_start',
      data: { file_id: mine, filename: 'x.txt', size: 1, total_chunks: 1, session_id: e.sessionId },
    })
    expect(again.data.code).toBe('CONFLICT')
    const p = await a.request({
      type: 'upload_chunk',
      data: { file_id: mine, chunk_index: 0, data: b64(data.subarray(0, 11)) },
    })
    expect(p.data).toMatchObject({ file_id: start.data.file_id, client_file_id: mine, received_chunks: 1 })
    expect((await a.request({ type: 'upload_status', data: { file_id: mine } })).data.missing).toEqual([1])
    const other = await socket(e.owner.token)
    expect((await other.request({ type: 'upload_status', data: { file_id: mine } })).data.code).toBe('NOT_FOUND')
    const done = await a.request({
      type: 'upload_chunk',
      data: { file_id: mine, chunk_index: 1, data: b64(data.subarray(11)), is_last: true },
    })
    expect(done.type).toBe('file_uploaded')
    expect(done.data).toMatchObject({ file_id: start.data.file_id, client_file_id: mine, size: data.length })
    const res = await e.s.api(`/api/v1/files/${done.data.file_id}`, { token: e.collaborator.token })
    expect(await res.text()).toBe('first half|second half')
  })
})

test('unfinished uploads expire and their chunks are removed by the sweeper', async () => {
  const s = await startTestServer({ uploadExpiry: 0.3, wsRateLimit: 1000, wsRateBurst: 1000 })
  try {
    const admin = await s.login()
    const ws = (await (await s.api('/api/v1/workspaces', { token: admin, body: { name: 'exp' } })).json()) as {
      id: string
    }
    const c = await socket(admin, s.wsUrl)
    const id = (
      await c.request({
        type: 'upload_start',
        data: { filename: 'slow.bin', size: 4, total_chunks: 2, workspace_id: ws.id },
      })
    ).data.file_id
    await c.request({ type: 'upload_chunk', data: { file_id: id, chunk_index: 0, data: b64(new Uint8Array(2)) } })
    const dir = join(s.dataDir, 'tmp', 'chunks', id)
    expect(existsSync(join(dir, '0'))).toBe(true)
    await waitFor(() => !existsSync(dir), 5000, 'the sweeper to remove the expired chunks')
    const r = await c.request({ type: 'upload_status', data: { file_id: id } })
    expect(r.data.code).toBe('NOT_FOUND')
  } finally {
    await s.close()
  }
})

test('an unfinished upload survives a server restart', async () => {
  let s = await startTestServer({ wsRateLimit: 1000, wsRateBurst: 1000 })
  const dataDir = s.dataDir
  try {
    const admin = await s.login()
    const ws = (await (await s.api('/api/v1/workspaces', { token: admin, body: { name: 'restart' } })).json()) as {
      id: string
    }
    let c = await socket(admin, s.wsUrl)
    const id = (
      await c.request({
        type: 'upload_start',
        data: { filename: 'r.txt', size: 6, total_chunks: 2, workspace_id: ws.id },
      })
    ).data.file_id
    await c.request({ type: 'upload_chunk', data: { file_id: id, chunk_index: 0, data: b64(Buffer.from('abc')) } })
    await c.close()
    await s.close({ keepData: true })
    s = await startTestServer({ wsRateLimit: 1000, wsRateBurst: 1000 }, dataDir)
    c = await socket(await s.login(), s.wsUrl)
    expect((await c.request({ type: 'upload_status', data: { file_id: id } })).data).toMatchObject({
      missing: [1],
      bytes_received: 3,
    })
    const done = await c.request({
      type: 'upload_chunk',
      data: { file_id: id, chunk_index: 1, data: b64(Buffer.from('def')) },
    })
    expect(done.data).toMatchObject({ file_id: id, sha256: sha256('abcdef'), workspace_id: ws.id, session_id: null })
  } finally {
    await s.close()
  }
})
