#!/usr/bin/env bun
// Peer "bare Bun", the ceiling: Bun.serve with native pub/sub, no auth, no store.
import type { ServerWebSocket } from 'bun'
import { send, serveControl } from '../lib/control.ts'
import { envelope, publish, type PublishSpec } from '../lib/publisher.ts'

// A client subscribes to a topic and the control channel publishes JSON frames of the same shape and size as cchub's.
// Usage: bun bench/peers/bun-pubsub.ts --port N

const argPort = process.argv.indexOf('--port')
const port = argPort > 0 ? Number(process.argv[argPort + 1]) : 0
const sockets = new Set<ServerWebSocket<{ id: number }>>()
const seqs = new Map<string, number>()
let nextId = 0

const server = Bun.serve<{ id: number }>({
  hostname: '127.0.0.1',
  port,
  fetch(req, srv) {
    if (srv.upgrade(req, { data: { id: ++nextId } })) return
    return Response.json({ status: 'ok' })
  },
  websocket: {
    perMessageDeflate: false,
    backpressureLimit: 4 * 1024 * 1024,
    closeOnBackpressureLimit: true,
    sendPings: false,
    idleTimeout: 960,
    open(ws) {
      sockets.add(ws)
      ws.send(
        JSON.stringify({
          type: 'connected',
          data: { connection_id: String(ws.data.id) },
          timestamp: new Date().toISOString(),
        }),
      )
    },
    message(ws, raw) {
      let msg: { type?: string; id?: unknown; channel?: string }
      try {
        msg = JSON.parse(String(raw))
      } catch {
        return
      }
      if (msg.type === 'subscribe' && typeof msg.channel === 'string') {
        ws.subscribe(msg.channel)
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
    },
    close(ws) {
      sockets.delete(ws)
    },
  },
})

serveControl(
  {
    async publish(req) {
      return publish(req as unknown as PublishSpec, {
        emit(channel, type, data) {
          const seq = (seqs.get(channel) ?? 0) + 1
          seqs.set(channel, seq)
          server.publish(channel, envelope(type, channel, seq, JSON.stringify(data), Date.now()))
        },
        maxBuffered() {
          let max = 0
          for (const ws of sockets) max = Math.max(max, ws.getBufferedAmount())
          return max
        },
      })
    },
    stats: () => ({ connections: sockets.size, mem: process.memoryUsage() }),
    gc() {
      Bun.gc(true)
      return { mem: process.memoryUsage() }
    },
  },
  () => {
    server.stop(true)
  },
)

send({ ready: true, url: `http://127.0.0.1:${server.port}`, port: server.port, pid: process.pid })
