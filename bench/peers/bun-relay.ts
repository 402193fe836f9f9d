#!/usr/bin/env bun
// Peer for the execution relay: the least a Bun server must do to relay a CLI to WebSocket clients and keep a log.
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { send, serveControl } from '../lib/control.ts'

// POST /api/v1/claude/execute allocates an id; the CLI (same binary and flags as cchub uses) starts when the first
// watcher subscribes on /ws/executions/<id>; each stdout line is inserted into bun:sqlite (one transaction per
// chunk read) and published as one frame on the execution's topic; a final `status` frame follows the process exit.
// GET /api/v1/claude/sessions/<id>/logs pages the stored lines like cchub's route. No auth, no coalescing, no parsing.
// Usage: bun bench/peers/bun-relay.ts --port N --bin <claude> (env for the CLI: FAKE_CLAUDE_* as given)

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1]! : dflt
}
const port = Number(arg('--port', '0'))
const bin = arg('--bin', 'claude')
const dir = mkdtempSync(join(tmpdir(), 'cchub-bench-relay-peer-'))
const db = new Database(join(dir, 'relay.db'), { create: true, strict: true })
db.run('PRAGMA journal_mode = WAL')
db.run('PRAGMA synchronous = NORMAL')
db.run(
  'CREATE TABLE lines (exec TEXT NOT NULL, seq INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (exec, seq)) STRICT, WITHOUT ROWID',
)
const insert = db.query('INSERT INTO lines (exec, seq, line) VALUES ($exec, $seq, $line)')
const page = db.query<{ seq: number; line: string }, { exec: string; before: number; limit: number }>(
  'SELECT seq, line FROM lines WHERE exec = $exec AND seq < $before ORDER BY seq DESC LIMIT $limit',
)
const insertMany = db.transaction((exec: string, from: number, lines: string[]) => {
  for (let i = 0; i < lines.length; i++) insert.run({ exec, seq: from + i, line: lines[i]! })
})

interface Exec {
  id: string
  started: boolean
  seq: number
}
const execs = new Map<string, Exec>()
const procs = new Set<Bun.Subprocess>()

const frame = (type: string, channel: string, seq: number, dataJson: string) =>
  `{"type":${JSON.stringify(type)},"channel":${JSON.stringify(channel)},"seq":${seq},"data":${dataJson},"timestamp":"${new Date().toISOString()}"}`

async function run(e: Exec): Promise<void> {
  const topic = `task:${e.id}`
  const proc = Bun.spawn(
    [
      bin,
      '-p',
      '--output-format',
      'stream-json',
      '--input-format',
      'stream-json',
      '--verbose',
      '--include-partial-messages',
    ],
    {
      cwd: dir,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'ignore',
      env: process.env as Record<string, string>,
    },
  )
  procs.add(proc)
  proc.stdin.write(
    `${JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'bench' }] } })}\n`,
  )
  proc.stdin.flush()
  const decoder = new TextDecoder()
  let buf = ''
  for await (const chunk of proc.stdout) {
    buf += decoder.decode(chunk, { stream: true })
    const parts = buf.split('\n')
    buf = parts.pop()!
    const lines = parts.filter((l) => l !== '')
    if (!lines.length) continue
    insertMany(e.id, e.seq + 1, lines)
    for (const line of lines) {
      e.seq++
      const json = line.startsWith('{') ? line : JSON.stringify(line)
      server.publish(topic, frame('event', topic, e.seq, `{"execution_id":"${e.id}","event":${json}}`))
      if (line.includes('"type":"result"')) proc.stdin.end()
    }
  }
  await proc.exited
  procs.delete(proc)
  e.seq++
  server.publish(topic, frame('status', topic, e.seq, `{"execution_id":"${e.id}","status":"completed"}`))
}

const server = Bun.serve<{ exec: Exec | null }>({
  hostname: '127.0.0.1',
  port,
  async fetch(req, srv) {
    const url = new URL(req.url)
    const ws = /^\/ws\/executions\/([^/]+)$/.exec(url.pathname)
    if (ws) {
      const e = execs.get(ws[1]!) ?? null
      if (e && srv.upgrade(req, { data: { exec: e } })) return
      return new Response('no such execution', { status: 404 })
    }
    if (req.method === 'POST' && url.pathname === '/api/v1/claude/execute') {
      const id = crypto.randomUUID()
      execs.set(id, { id, started: false, seq: 0 })
      return Response.json(
        { execution_id: id, session_id: id, status: 'queued', websocket_url: `/ws/executions/${id}` },
        { status: 202 },
      )
    }
    const logs = /^\/api\/v1\/claude\/sessions\/([^/]+)\/logs$/.exec(url.pathname)
    if (logs) {
      const limit = Number(url.searchParams.get('limit') ?? 100)
      const before = Number(url.searchParams.get('before') ?? Number.MAX_SAFE_INTEGER)
      const rows = page.all({ exec: logs[1]!, before, limit }).reverse()
      const out = rows.map((r) => ({
        seq: r.seq,
        type: 'event',
        data: { execution_id: logs[1], event: JSON.parse(r.line) },
      }))
      return Response.json({ logs: out, next_before: rows.length === limit ? rows[0]!.seq : null })
    }
    return Response.json({ status: 'ok' })
  },
  websocket: {
    perMessageDeflate: false,
    backpressureLimit: 4 * 1024 * 1024,
    closeOnBackpressureLimit: true,
    open(ws) {
      const e = ws.data.exec!
      ws.subscribe(`task:${e.id}`)
      if (!e.started) {
        e.started = true
        void run(e)
      }
    },
    message() {},
  },
})

serveControl({}, () => {
  for (const p of procs) p.kill('SIGKILL')
  server.stop(true)
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

send({ ready: true, url: `http://127.0.0.1:${server.port}`, port: server.port, pid: process.pid })
