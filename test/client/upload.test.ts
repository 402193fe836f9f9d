// SDK chunked upload against the real server: progress, a socket dropped mid-upload resumed from upload_status.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { UploadProgress } from '../../src/client/index.ts'
import { dropAllSockets, type Fixture, fastClient, fixture } from './helpers.ts'

let f: Fixture
let workspaceId: string

/** A WebSocket that records the chunk indexes it sends and runs `afterChunk` after each one. */
function countingSocket(sent: number[], afterChunk: (count: number) => void) {
  return class extends WebSocket {
    override send(text: string) {
      super.send(text)
      const msg = JSON.parse(text)
      if (msg.type !== 'upload_chunk') return
      sent.push(msg.data.chunk_index)
      afterChunk(sent.length)
    }
  }
}

async function downloaded(fileId: string): Promise<Uint8Array> {
  const res = await f.server.api(`/api/v1/files/${fileId}`, { token: f.token })
  expect(res.status).toBe(200)
  return new Uint8Array(await res.arrayBuffer())
}

beforeAll(async () => {
  f = await fixture()
  const res = await f.server.api('/api/v1/workspaces', { token: f.token, body: { name: 'uploads' } })
  workspaceId = ((await res.json()) as { id: string }).id
})
afterAll(() => f.server.close())

describe('client.upload', () => {
  test('sends every chunk once, reports growing progress and returns the stored file', async () => {
    const data = crypto.getRandomValues(new Uint8Array(300_000))
    const sent: number[] = []
    const client = fastClient(f.server.url, { token: f.token, WebSocket: countingSocket(sent, () => {}) })
    await client.connect()
    const progress: UploadProgress[] = []
    const file = await client.upload(data, {
      filename: 'random.bin',
      workspace_id: workspaceId,
      chunkSize: 32 * 1024,
      onProgress: (p) => progress.push(p),
    })
    await client.close()
    expect(file.name).toBe('random.bin')
    expect(file.size).toBe(data.length)
    expect(await downloaded(file.file_id)).toEqual(data)
    expect(sent.toSorted((a, b) => a - b)).toEqual([...Array(10).keys()])
    const bytes = progress.map((p) => p.bytes)
    expect(bytes.at(-1)).toBe(data.length)
    expect(bytes.length).toBeGreaterThanOrEqual(10)
  })

  test('a socket dropped mid-upload: it asks upload_status and resends only what the server lacks', async () => {
    const data = crypto.getRandomValues(new Uint8Array(640 * 1024))
    const total = 20 // 32 KiB chunks
    const sent: number[] = []
    let dropped = false
    const client = fastClient(f.server.url, {
      token: f.token,
      WebSocket: countingSocket(sent, (n) => {
        if (n === 8 && !dropped) dropped = dropAllSockets(f.server) > 0
      }),
    })
    await client.connect()
    const file = await client.upload(data, { filename: 'resumed.bin', workspace_id: workspaceId, chunkSize: 32 * 1024 })
    await client.close()
    expect(dropped).toBe(true)
    expect(client.stats.reconnects).toBeGreaterThanOrEqual(1)
    expect(await downloaded(file.file_id)).toEqual(data)
    // every chunk was sent, and far fewer than all of them twice (only those in flight when the socket died)
    expect(new Set(sent).size).toBe(total)
    expect(sent.length).toBeLessThan(total + 8)
  })

  test('a refusal is not retried: an unknown session gives NOT_FOUND; an empty file is refused before sending', async () => {
    const client = fastClient(f.server.url, { token: f.token })
    await client.connect()
    const err = await client
      .upload(new Uint8Array([1, 2, 3]), { filename: 'x', session_id: 'no-such-session' })
      .catch((e) => e)
    await client.close()
    expect(err.code).toBe('NOT_FOUND')
    const empty = await fastClient(f.server.url, { token: f.token })
      .upload(new Uint8Array(), { filename: 'empty' })
      .catch((e) => e)
    expect(empty.code).toBe('VALIDATION_FAILED')
  })
})
