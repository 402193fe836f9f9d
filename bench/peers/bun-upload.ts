#!/usr/bin/env bun
// Peer for uploads: a bare Bun.serve that streams a POST body to disk and takes cchub's chunked-upload messages on /ws.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { send, serveControl } from '../lib/control.ts'

// No multipart parsing, hashing, auth or persistence of an upload's state; JSON messages, base64 chunks written at
// their offsets, one reply each: the ceilings for uploads to disk on this machine.
// Usage: bun bench/peers/bun-upload.ts --port N

const i = process.argv.indexOf('--port')
const dir = mkdtempSync(join(tmpdir(), 'cchub-bench-upload-peer-'))
let n = 0

interface WsUpload {
  path: string
  fd: number
  size: number
  total: number
  chunk: number
  received: Set<number>
}
const wsUploads = new Map<string, WsUpload>()

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: i > 0 ? Number(process.argv[i + 1]) : 0,
  maxRequestBodySize: 4 * 1024 * 1024 * 1024,
  async fetch(req, srv) {
    if (new URL(req.url).pathname === '/ws')
      return srv.upgrade(req) ? undefined : new Response('upgrade', { status: 400 })
    if (req.method !== 'POST' || !req.body) return Response.json({ status: 'ok' })
    const path = join(dir, `upload-${++n}.bin`)
    const w = Bun.file(path).writer()
    let size = 0
    for await (const chunk of req.body) {
      size += chunk.length
      w.write(chunk)
    }
    await w.end()
    rmSync(path, { force: true })
    return Response.json({ size }, { status: 201 })
  },
  websocket: {
    maxPayloadLength: 1024 * 1024,
    open(ws) {
      ws.send(JSON.stringify({ type: 'connected', data: {} }))
    },
    message(ws, raw) {
      const m = JSON.parse(String(raw))
      const reply = (type: string, data: unknown) => void ws.send(JSON.stringify({ type, id: m.id, data }))
      if (m.type === 'upload_start') {
        const id = `f${++n}`
        const path = join(dir, `${id}.bin`)
        wsUploads.set(id, {
          path,
          fd: openSync(path, 'w'),
          size: m.data.size,
          total: m.data.total_chunks,
          chunk: 512 * 1024,
          received: new Set(),
        })
        return reply('success', { file_id: id, chunk_size: 512 * 1024 })
      }
      const u = wsUploads.get(m.data?.file_id)
      if (m.type !== 'upload_chunk' || !u) return reply('error', { code: 'NOT_FOUND' })
      const bytes = Buffer.from(m.data.data, 'base64')
      writeSync(u.fd, bytes, 0, bytes.length, m.data.chunk_index * u.chunk)
      u.received.add(m.data.chunk_index)
      if (u.received.size < u.total)
        return reply('upload_progress', { chunk_index: m.data.chunk_index, received_chunks: u.received.size })
      closeSync(u.fd)
      rmSync(u.path, { force: true })
      wsUploads.delete(m.data.file_id)
      reply('file_uploaded', { file_id: m.data.file_id, size: u.size })
    },
  },
})

serveControl({ gc: () => (Bun.gc(true), {}) }, () => {
  server.stop(true)
  rmSync(dir, { recursive: true, force: true })
})

send({ ready: true, url: `http://127.0.0.1:${server.port}`, port: server.port, pid: process.pid })
