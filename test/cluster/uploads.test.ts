// A chunked upload started on node A continues on node B (the chunk directory is shared), and A does not expire it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { requireCluster, TestCluster } from '../support/cluster.ts'
import type { TestServer } from '../support/server.ts'
import type { WsClient } from '../support/ws-client.ts'

const hasServices = await requireCluster('test/cluster/uploads.test.ts')
const EXPIRY_S = 60

let cluster: TestCluster
let a: TestServer & { id: string }
let b: TestServer & { id: string }
let token: string

beforeAll(async () => {
  if (!hasServices) return
  cluster = await TestCluster.start()
  const limits = { uploadExpiry: EXPIRY_S, wsRateLimit: 1000, wsRateBurst: 1000 }
  a = await cluster.node('A', limits)
  b = await cluster.node('B', limits)
  token = await a.login()
})

afterAll(async () => {
  if (hasServices) await cluster.close()
})

async function socket(node: TestServer): Promise<WsClient> {
  const c = await cluster.pool.connect(`${node.wsUrl}?token=${encodeURIComponent(token)}`)
  await c.next((m) => m.type === 'connected')
  return c
}

const b64 = (s: string) => Buffer.from(s).toString('base64')

describe.skipIf(!hasServices)('a chunked upload across nodes', () => {
  test('started on A, resumed on B after the socket dropped: status, the rest of the chunks, one file', async () => {
    const ws = await (await a.api('/api/v1/workspaces', { token, body: { name: 'up' } })).json()
    const parts = Array.from({ length: 12 }, (_, i) => `part-${String(i).padStart(2, '0')}|`)
    const onA = await socket(a)
    const start = await onA.request({
      type: 'upload_start',
      data: { filename: 'moved.txt', size: parts.join('').length, total_chunks: parts.length, workspace_id: ws.id },
    })
    const fileId = start.data.file_id as string
    for (const i of [0, 1, 2])
      await onA.request({ type: 'upload_chunk', data: { file_id: fileId, chunk_index: i, data: b64(parts[i]!) } })
    await onA.close()

    const onB = await socket(b)
    const status = await onB.request({ type: 'upload_status', data: { file_id: fileId } })
    expect(status.data).toMatchObject({ complete: false, received_chunks: 3, missing: [3, 4, 5, 6, 7, 8, 9, 10, 11] })
    const send = (i: number) =>
      onB.request({
        type: 'upload_chunk',
        data: { file_id: fileId, chunk_index: i, data: b64(parts[i]!), is_last: i === parts.length - 1 },
      })
    for (let i = 3; i < 8; i++) expect((await send(i)).type).toBe('upload_progress')

    // A's sweep at a time past the expiry A counted from its own last chunk, but not past B's: A keeps the chunks
    const touched = statSync(join(cluster.dataDir, 'tmp', 'chunks', fileId)).mtimeMs
    expect(a.services.uploads.sweep(touched + EXPIRY_S * 1000 - 1)).toBe(0)
    let last: any
    for (let i = 8; i < parts.length; i++) last = await send(i)
    expect(last.type).toBe('file_uploaded')
    const got = await a.api(`/api/v1/files/${fileId}`, { token })
    expect(await got.text()).toBe(parts.join(''))
  })
})
