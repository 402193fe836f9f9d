#!/usr/bin/env bun
// Peer for uploads: a bare Bun.serve that streams the request body to a file on disk (no multipart parsing, no
// hashing, no auth): the ceiling for "REST upload to disk" on this machine. Usage: bun bench/peers/bun-upload.ts --port N
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { send, serveControl } from '../lib/control.ts'

const i = process.argv.indexOf('--port')
const dir = mkdtempSync(join(tmpdir(), 'cchub-bench-upload-peer-'))
let n = 0

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: i > 0 ? Number(process.argv[i + 1]) : 0,
  maxRequestBodySize: 4 * 1024 * 1024 * 1024,
  async fetch(req) {
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
})

serveControl({ gc: () => (Bun.gc(true), {}) }, () => {
  server.stop(true)
  rmSync(dir, { recursive: true, force: true })
})

send({ ready: true, url: `http://127.0.0.1:${server.port}`, port: server.port, pid: process.pid })
