#!/usr/bin/env node
// Peer "Node ws hub", what most projects run: an http server with the `ws` package, no auth, no store.
import http from 'node:http'
import { WebSocketServer } from 'ws'

// A Map of topic → Set of sockets, and a loop of ws.send() per subscriber on publish. Same control channel (JSON lines
// on stdin/stdout) and the same publishing loop as the other servers.
// Usage: node --expose-gc bench/peers/node-ws-hub.mjs --port N

const argPort = process.argv.indexOf('--port')
const port = argPort > 0 ? Number(process.argv[argPort + 1]) : 0
const now = () => performance.timeOrigin + performance.now()
const topics = new Map()
const seqs = new Map()
const sockets = new Set()
let nextId = 0

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end('{"status":"ok"}')
})
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 1 << 20 })

wss.on('connection', (ws) => {
  ws.subs = new Set()
  sockets.add(ws)
  ws.send(
    JSON.stringify({
      type: 'connected',
      data: { connection_id: String(++nextId) },
      timestamp: new Date().toISOString(),
    }),
  )
  ws.on('message', (raw) => {
    let msg
    try {
      msg = JSON.parse(String(raw))
    } catch {
      return
    }
    if (msg.type === 'subscribe' && typeof msg.channel === 'string') {
      let set = topics.get(msg.channel)
      if (!set) topics.set(msg.channel, (set = new Set()))
      set.add(ws)
      ws.subs.add(msg.channel)
      ws.send(
        JSON.stringify({
          type: 'success',
          id: msg.id,
          data: { channel: msg.channel, seq: seqs.get(msg.channel) ?? 0 },
          timestamp: new Date().toISOString(),
        }),
      )
    } else if (msg.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong', id: msg.id, data: {}, timestamp: new Date().toISOString() }))
    }
  })
  ws.on('close', () => {
    sockets.delete(ws)
    for (const ch of ws.subs) {
      const set = topics.get(ch)
      set?.delete(ws)
      if (set && !set.size) topics.delete(ch)
    }
  })
  ws.on('error', () => {})
})

function envelope(type, channel, seq, dataJson, ts) {
  return `{"type":${JSON.stringify(type)},"channel":${JSON.stringify(channel)},"seq":${seq},"data":${dataJson},"timestamp":"${new Date(ts).toISOString()}"}`
}

function emit(channel, type, data) {
  const seq = (seqs.get(channel) ?? 0) + 1
  seqs.set(channel, seq)
  const frame = envelope(type, channel, seq, JSON.stringify(data), Date.now())
  const set = topics.get(channel)
  if (set) for (const ws of set) if (ws.readyState === 1) ws.send(frame)
}

function maxBuffered() {
  let max = 0
  for (const ws of sockets) if (ws.bufferedAmount > max) max = ws.bufferedAmount
  return max
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const tick = () => new Promise((r) => setImmediate(r))

/** Same loop as bench/lib/publisher.ts. */
async function publish(spec) {
  const pad = 'x'.repeat(spec.bytes)
  const type = spec.type ?? 'bench'
  const n = spec.channels.length
  const limit = spec.maxBuffered ?? 1 << 20
  let paused = 0
  const t0 = now()
  const emitOne = (i) => emit(spec.channels[i % n], type, { i, t: now(), pad })
  if (spec.rate > 0) {
    let i = 0
    while (i < spec.count) {
      const due = Math.min(spec.count, Math.floor(((now() - t0) * spec.rate) / 1000) + 1)
      while (i < due) emitOne(i++)
      await sleep(1)
    }
  } else {
    for (let i = 0; i < spec.count; i++) {
      emitOne(i)
      if ((i & 31) === 31) {
        await tick()
        if (maxBuffered() > limit) {
          const p0 = now()
          for (let w = 0; w < 30000 && maxBuffered() > limit / 2; w++) await sleep(1)
          paused += now() - p0
        }
      }
    }
  }
  const t1 = now()
  return { published: spec.count, skipped: 0, publish_ms: t1 - t0, ack_ms: t1 - t0, paused_ms: paused }
}

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + '\n')
}

const handlers = {
  publish: (req) => publish(req),
  stats: () => ({ connections: sockets.size, mem: process.memoryUsage() }),
  gc: () => {
    if (global.gc) global.gc()
    return { mem: process.memoryUsage() }
  },
}

let buf = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  buf += chunk
  let nl
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl)
    buf = buf.slice(nl + 1)
    if (!line.trim()) continue
    let req
    try {
      req = JSON.parse(line)
    } catch {
      continue
    }
    const h = handlers[req.op]
    if (!h) {
      send({ id: req.id, ok: false, error: `unknown op ${req.op}` })
      continue
    }
    Promise.resolve()
      .then(() => h(req))
      .then(
        (r) => send({ id: req.id, ok: true, ...(r ?? {}) }),
        (err) => send({ id: req.id, ok: false, error: String(err?.message ?? err) }),
      )
  }
})
const end = () => {
  for (const ws of sockets) ws.terminate()
  server.close()
  process.exit(0)
}
process.stdin.on('end', end)
process.on('SIGTERM', end)
process.on('SIGINT', end)

server.listen(port, '127.0.0.1', () => {
  send({ ready: true, url: `http://127.0.0.1:${server.address().port}`, port: server.address().port, pid: process.pid })
})
