// Upload chunks skip the per-connection message rate limit: a burst far above it completes untouched.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { WsClient } from '../support/ws-client.ts'
import { sha256, startFilesEnv, type FilesEnv } from './helpers.ts'

let e: FilesEnv
let c: WsClient | undefined
beforeAll(async () => {
  // the default limits: 10 messages/s, burst 20
  e = await startFilesEnv({ wsRateLimit: 10, wsRateBurst: 20 })
})
afterAll(async () => {
  await c?.close()
  await e.s.close()
})

test('60 chunks sent at once all land, while other message types stay metered', async () => {
  c = await WsClient.connect(`${e.s.wsUrl}?token=${encodeURIComponent(e.collaborator.token)}`)
  await c.next((m) => m.type === 'connected')
  const data = crypto.getRandomValues(new Uint8Array(60 * 1024))
  const start = await c.request({
    type: 'upload_start',
    data: {
      filename: 'burst.bin',
      size: data.length,
      content_type: 'application/octet-stream',
      total_chunks: 60,
      session_id: e.sessionId,
    },
  })
  const fileId = start.data.file_id as string
  for (let i = 0; i < 60; i++) {
    const chunk = Buffer.from(data.subarray(i * 1024, (i + 1) * 1024)).toString('base64')
    c.send({
      type: 'upload_chunk',
      id: `c${i}`,
      data: { file_id: fileId, chunk_index: i, data: chunk, is_last: i === 59 },
    })
  }
  const done = await c.next((m) => m.type === 'file_uploaded', 10_000)
  expect(done.data.sha256).toBe(sha256(data))
  expect(c.messages.some((m) => m.type === 'error' && m.data?.code === 'RATE_LIMITED')).toBe(false)

  for (let i = 0; i < 40; i++) c.send({ type: 'ping', id: `p${i}` })
  await c.next((m) => m.type === 'error' && m.data?.code === 'RATE_LIMITED', 5000)
})
