#!/usr/bin/env bun
// The load generator: a Bun process driven over JSON lines (bench/lib/control.ts) that holds the WebSocket clients.
import { now, send, serveControl } from './lib/control.ts'
import { RawWs, UpgradeRefused } from './lib/rawws.ts'
import { summarize } from './lib/stats.ts'

// The clients are bench/lib/rawws.ts. It checks every channel frame's seq (no gap, no duplicate, in order, across
// reconnects), measures publish-to-receive latency from the timestamp in each payload, and runs the REST-driven loads.

interface Identity {
  path: string
  channels: string[]
}

const BENCH_PREFIX = '{"type":"bench"'

/** One logical client: reconnects keep its per-channel last seq, so a resume with `since` can be checked exactly. */
class Client {
  ws: RawWs | null = null
  readonly last = new Map<string, number>()
  received = 0
  connects = 0
  closes = 0
  lastClose = 0
  /** Reconnect with `since` = last seq per channel (cchub's resume) instead of a fresh subscribe. */
  resume = false
  slow = false
  /** Reconnect (with resume) by itself when the server closes the socket, like the SDK does. */
  autoReconnect = false
  /** Set while the harness drops and reconnects this client itself (churn), or after close. */
  dropping = false
  stopped = false
  reconnects = 0
  /** Channel frames received on the current socket (0 right after a (re)connect). */
  sinceConnect = 0
  private replies = new Map<string, (m: any) => void>()
  private nextReq = 0

  constructor(
    readonly idx: number,
    readonly ident: Identity,
    readonly port: number,
    /** Label the latency is also summarized under (e.g. the node a client is connected to). */
    readonly group = '',
  ) {}

  async connect(timeoutMs = 15_000): Promise<void> {
    const ws = await RawWs.connect(
      this.port,
      this.ident.path,
      {
        onText: (w, t) => this.onText(w, t),
        onClose: (w, code) => {
          if (w !== this.ws) return
          this.closes++
          this.lastClose = code
          closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1)
          if (this.autoReconnect && !this.dropping && !this.stopped) void this.reconnect()
        },
      },
      { timeoutMs },
    )
    this.ws = ws
    this.connects++
    this.sinceConnect = 0
    try {
      for (const ch of this.ident.channels) {
        const since = this.resume ? this.last.get(ch) : undefined
        const reply = await this.request(
          { type: 'subscribe', channel: ch, ...(since !== undefined ? { data: { since } } : {}) },
          timeoutMs,
        )
        if (reply.type !== 'success') throw new Error(`subscribe ${ch}: ${JSON.stringify(reply.data).slice(0, 200)}`)
        // a fresh subscribe starts live after the head the server reports
        if (since === undefined && typeof reply.data?.seq === 'number' && !this.last.has(ch))
          this.last.set(ch, reply.data.seq)
      }
    } catch (err) {
      // a socket whose subscribe failed must not linger and keep delivering next to the retry's socket
      if (this.ws === ws) this.ws = null
      ws.destroy()
      throw err
    }
    // a slow consumer: subscribed, then never reads again (the server must cut it off at its backpressure limit)
    if (this.slow) ws.pause()
  }

  /** Comes back after a server-side close, with resume, retrying for up to a minute. */
  private async reconnect(): Promise<void> {
    this.reconnects++
    const end = now() + 60_000
    for (let attempt = 0; !this.stopped && now() < end; attempt++) {
      await Bun.sleep(Math.min(2000, 20 * 2 ** attempt) * (0.5 + Math.random()))
      try {
        return await this.connect(15_000)
      } catch {
        // try again
      }
    }
  }

  request(msg: Record<string, unknown>, timeoutMs: number): Promise<any> {
    const id = `r${this.idx}.${++this.nextReq}`
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.replies.delete(id)
        reject(new Error(`no reply to ${msg.type} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.replies.set(id, (m) => {
        clearTimeout(t)
        resolve(m)
      })
      this.ws!.sendText(JSON.stringify({ ...msg, id }))
    })
  }

  private onText(w: RawWs, text: string): void {
    if (w !== this.ws) return // a socket this client has already given up on
    if (text.startsWith(BENCH_PREFIX)) return this.onBench(text)
    let m: any
    try {
      m = JSON.parse(text)
    } catch {
      track.garbage++
      return
    }
    if (m.id !== undefined && this.replies.has(String(m.id))) {
      const r = this.replies.get(String(m.id))!
      this.replies.delete(String(m.id))
      r(m)
      return
    }
    if (typeof m.seq === 'number' && m.channel)
      this.onSeq(m.channel, m.seq, typeof m.data?.t === 'number' ? m.data.t : undefined)
  }

  private onBench(text: string): void {
    const c0 = text.indexOf('"channel":"', 14) + 11
    const c1 = text.indexOf('"', c0)
    const channel = text.slice(c0, c1)
    const s0 = text.indexOf('"seq":', c1) + 6
    const seq = parseInt(text.slice(s0, text.indexOf(',', s0)), 10)
    let t: number | undefined
    if (track.latency) {
      const t0 = text.indexOf('"t":', s0) + 4
      t = parseFloat(text.slice(t0, text.indexOf(',', t0)))
    }
    this.onSeq(channel, seq, t)
  }

  private onSeq(channel: string, seq: number, t: number | undefined): void {
    const last = this.last.get(channel)
    if (last !== undefined) {
      if (seq <= last) {
        track.dups++
        return
      }
      if (seq !== last + 1) {
        track.gaps += seq - last - 1
        if (track.gapLog.length < 10)
          track.gapLog.push({
            client: this.idx,
            channel,
            last,
            seq,
            connects: this.connects,
            sinceConnect: this.sinceConnect,
          })
      }
    }
    this.last.set(channel, seq)
    this.sinceConnect++
    this.received++
    track.received++
    const at = now()
    if (track.first === 0) track.first = at
    track.lastAt = at
    if (track.latency && t !== undefined && track.nLat < track.lat.length) {
      track.lat[track.nLat++] = at - t
      if (this.group) groupOf(this.group).push(at - t)
    }
    const side = track.pair?.groups.indexOf(this.group) ?? -1
    if (side >= 0) track.pair!.seen[side]!.set(`${channel}#${seq}`, at)
    if (track.received >= track.expect && track.done) track.done()
  }
}

const closeCodes = new Map<number, number>()
const reader = { stop: false, iterations: 0, replayed: 0, t0: 0, errors: [] as string[], done: Promise.resolve() }
let clients: Client[] = []
const track = {
  expect: Infinity,
  received: 0,
  dups: 0,
  gaps: 0,
  garbage: 0,
  first: 0,
  lastAt: 0,
  latency: false,
  lat: new Float64Array(0),
  nLat: 0,
  done: null as null | (() => void),
  gapLog: [] as Record<string, unknown>[],
  /** Latencies per client group (only groups that received something while latency was armed). */
  groups: new Map<string, number[]>(),
  /** When armed with `pair: [from, to]`: when each event reached a client of either group, to time the hop between. */
  pair: null as null | { groups: string[]; seen: Map<string, number>[] },
}

/** Per event both groups received: receive time in `to` minus in `from` (same process, same clock). */
function hops(): number[] {
  if (!track.pair) return []
  const [from, to] = track.pair.seen
  const out: number[] = []
  for (const [k, t] of from!) {
    const t2 = to!.get(k)
    if (t2 !== undefined) out.push(t2 - t)
  }
  return out
}

function groupOf(name: string): number[] {
  let g = track.groups.get(name)
  if (!g) track.groups.set(name, (g = []))
  return g
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!)
    }),
  )
}

serveControl(
  {
    /** Opens `count` clients round-robin over `identities` (in latency group `group`); each subscribes to its channels. */
    async connect(req) {
      const port = Number(req.port)
      const ids = req.identities as Identity[]
      const base = clients.length
      const fresh = Array.from({ length: Number(req.count) }, (_, i) => {
        const c = new Client(base + i, ids[(base + i) % ids.length]!, port, String(req.group ?? ''))
        c.resume = req.resume === true
        c.slow = req.slow === true
        c.autoReconnect = req.autoReconnect === true
        return c
      })
      const errors: string[] = []
      let failed = 0
      const t0 = now()
      await pool(fresh, Number(req.concurrency ?? 100), async (c) => {
        try {
          await c.connect(Number(req.timeoutMs ?? 30_000))
        } catch (err) {
          failed++
          if (errors.length < 5)
            errors.push(
              err instanceof UpgradeRefused
                ? `${err.status} ${err.body.slice(0, 120)}`
                : String((err as Error).message),
            )
        }
      })
      const ms = now() - t0
      clients.push(...fresh)
      const ok = fresh.length - failed
      return { connected: ok, failed, errors, ms, per_s: ok / (ms / 1000), total: clients.length }
    },
    /** Resets the counters and arms completion at `expect` channel frames received in total. */
    arm(req) {
      track.expect = Number(req.expect ?? Infinity)
      track.received = 0
      track.dups = 0
      track.gaps = 0
      track.gapLog = []
      track.garbage = 0
      track.first = 0
      track.lastAt = 0
      track.latency = req.latency === true
      track.lat = new Float64Array(track.latency ? Math.min(Number(req.expect), 50_000_000) : 0)
      track.nLat = 0
      track.groups.clear()
      const pair = req.pair as string[] | undefined
      track.pair = pair ? { groups: pair, seen: [new Map(), new Map()] } : null
      for (const c of clients) c.received = 0
      return { armed: true }
    },
    /** Waits until the armed count arrived, or nothing arrived for `stallMs`, or `timeoutMs`. */
    async wait(req) {
      const timeoutMs = Number(req.timeoutMs ?? 120_000)
      const stallMs = Number(req.stallMs ?? 5000)
      const t0 = now()
      if (track.received < track.expect) {
        await new Promise<void>((resolve) => {
          const finish = () => {
            clearInterval(iv)
            track.done = null
            resolve()
          }
          const iv = setInterval(() => {
            const t = now()
            if (t - t0 > timeoutMs || t - Math.max(track.lastAt, t0) > stallMs) finish()
          }, 50)
          track.done = finish
        })
      }
      const span = track.lastAt - track.first
      const perClientMin = clients.length ? Math.min(...clients.map((c) => c.received)) : 0
      return {
        received: track.received,
        expected: track.expect,
        lost: Math.max(0, track.expect - track.received),
        dups: track.dups,
        gaps: track.gaps,
        garbage: track.garbage,
        span_ms: span,
        per_s: span > 0 ? track.received / (span / 1000) : 0,
        per_client_min: perClientMin,
        latency_ms: track.latency ? summarize(track.lat.subarray(0, track.nLat)) : null,
        latency_by_group: Object.fromEntries([...track.groups].map(([k, v]) => [k, summarize(v)])),
        hop_ms: track.pair ? summarize(hops()) : null,
      }
    },
    /** Drops `fraction` of the clients at random (TCP cut, or a clean close) and reconnects them with resume. */
    async churn(req) {
      const fraction = Number(req.fraction ?? 0.2)
      const picked = clients.filter(() => Math.random() < fraction)
      const errors: string[] = []
      await pool(picked, Number(req.concurrency ?? 50), async (c) => {
        c.dropping = true
        if (req.abrupt === false || Math.random() < 0.5) c.ws?.close(1000)
        else c.ws?.destroy()
        await Bun.sleep(Number(req.offlineMs ?? 0) * Math.random())
        try {
          for (let attempt = 0; attempt < 5; attempt++) {
            try {
              await c.connect(Number(req.timeoutMs ?? 15_000))
              return
            } catch (err) {
              if (attempt === 4 && errors.length < 5) errors.push(String((err as Error).message))
              await Bun.sleep(50 * (attempt + 1))
            }
          }
        } finally {
          c.dropping = false
        }
      })
      return { churned: picked.length, errors }
    },
    /**
     * Per-client view: how many are open, resumes, received counts, and last seq per channel (for exactness checks).
     */
    clients(req) {
      const open = clients.filter((c) => c.ws?.open).length
      const perChannel: Record<string, number> = {}
      for (const c of clients)
        if (c.ws?.open) for (const ch of c.ident.channels) perChannel[ch] = (perChannel[ch] ?? 0) + 1
      const out: Record<string, unknown> = {
        total: clients.length,
        open,
        close_codes: Object.fromEntries(closeCodes),
        slow_open: clients.filter((c) => c.slow && c.ws?.open).length,
        fast_open: clients.filter((c) => !c.slow && c.ws?.open).length,
        reconnects: clients.reduce((a, c) => a + c.reconnects, 0),
        gaps: track.gaps,
        dups: track.dups,
        gap_log: track.gapLog,
      }
      if (req.perChannel) out.per_channel = perChannel
      if (req.lastSeqs) out.last = clients.map((c) => Object.fromEntries(c.last))
      if (req.minLast) {
        let min = Infinity
        for (const c of clients) if (!c.slow) for (const v of c.last.values()) min = Math.min(min, v)
        out.min_last_fast = min === Infinity ? 0 : min
      }
      return out
    },
    /** Closes every client (close frames), then forgets them. */
    async close() {
      for (const c of clients) c.stopped = true
      for (const c of clients) c.ws?.close(1000)
      await Bun.sleep(200)
      for (const c of clients) c.ws?.destroy()
      const n = clients.length
      clients = []
      closeCodes.clear()
      return { closed: n }
    },
    /**
     * A reader that keeps replaying `channel` from seq 0 over WebSocket (subscribe since 0, wait for the reply, close,
     * pause).
     */
    replayStart(req) {
      reader.stop = false
      reader.errors = []
      reader.iterations = 0
      reader.replayed = 0
      reader.t0 = now()
      reader.done = (async () => {
        const end = now() + Number(req.maxMs ?? 600_000)
        while (!reader.stop && now() < end) {
          const c = new Client(-1, { path: String(req.path), channels: [String(req.channel)] }, Number(req.port))
          c.resume = true
          c.last.set(String(req.channel), 0)
          try {
            await c.connect(60_000)
          } catch (err) {
            reader.errors.push(String((err as Error).message))
            if (reader.errors.length > 5) break
          }
          reader.replayed += c.received
          reader.iterations++
          c.ws?.destroy()
          await Bun.sleep(Number(req.pauseMs ?? 0))
        }
      })()
      return { started: true }
    },
    async replayStop() {
      reader.stop = true
      await reader.done
      const ms = now() - reader.t0
      return {
        iterations: reader.iterations,
        replayed: reader.replayed,
        per_s: reader.replayed / (ms / 1000),
        errors: reader.errors.slice(0, 5),
      }
    },
    relay: (req) => runRelay(req),
    upload: (req) => runUpload(req),
    wsUpload: (req) => runWsUpload(req),
  },
  () => {
    for (const c of clients) c.ws?.destroy()
  },
)

// ---- execution relay ------------------------------------------------------------------------------------------------

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'timed_out', 'interrupted'])
const STAMP = /@(\d+\.\d+)/

/** Counts CLI lines carried by one frame (cchub: `stream` = several, `event`/`log` = one; the peer: `event` = one). */
function linesOf(m: any, lat: number[] | null, at: number): number {
  const stamp = (ev: any) => {
    const text = ev?.event?.delta?.text
    if (lat && typeof text === 'string') {
      const s = STAMP.exec(text)
      if (s) lat.push(at - Number(s[1]))
    }
  }
  if (m.type === 'stream') {
    for (const ev of m.data.events) stamp(ev)
    return m.data.events.length
  }
  if (m.type === 'event') {
    stamp(m.data.event)
    return 1
  }
  if (m.type === 'log' && m.data.stream === 'stdout') return 1
  return 0
}

async function runRelay(req: Record<string, any>) {
  const port = Number(req.port)
  const base = `http://127.0.0.1:${port}`
  const headers = { authorization: `Bearer ${req.token}`, 'content-type': 'application/json' }
  const n = Number(req.n)
  const lat: number[] = []
  const perExec: { id: string; session: string; lines: number; status: string; frames: number }[] = []
  const t0 = now()
  let tLast = t0
  const sockets: RawWs[] = []
  const finished = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await fetch(`${base}/api/v1/claude/execute`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ workspace_id: req.workspaceId, prompt: `bench ${i}` }),
      })
      const body = (await res.json()) as { execution_id: string; session_id: string; websocket_url: string }
      if (res.status !== 202) throw new Error(`execute: ${res.status} ${JSON.stringify(body)}`)
      const rec = { id: body.execution_id, session: body.session_id, lines: 0, status: '', frames: 0 }
      perExec.push(rec)
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `execution ${rec.id}: no final status within ${req.timeoutMs ?? 300_000} ms (lines ${rec.lines})`,
              ),
            ),
          Number(req.timeoutMs ?? 300_000),
        )
        RawWs.connect(
          port,
          `${body.websocket_url}?token=${encodeURIComponent(String(req.token))}`,
          {
            onText(_w, text) {
              const at = now()
              let m: any
              try {
                m = JSON.parse(text)
              } catch {
                return
              }
              if (!m.channel?.startsWith('task:')) return
              rec.frames++
              rec.lines += linesOf(m, lat, at)
              if (m.type === 'status' && TERMINAL.has(m.data?.status)) {
                rec.status = m.data.status
                tLast = Math.max(tLast, at)
                clearTimeout(timer)
                resolve()
              }
            },
          },
          { timeoutMs: 30_000 },
        ).then((ws) => sockets.push(ws), reject)
      })
      return rec
    }),
  )
  const elapsed = tLast - t0
  for (const s of sockets) s.close()
  // into the log: the session channel's stored history, read back over REST and counted the same way
  let logged = 0
  if (req.checkLogs !== false) {
    for (const rec of finished) {
      let before: number | undefined
      let lines = 0
      for (let page = 0; page < 1000; page++) {
        const q = `limit=1000${before ? `&before=${before}` : ''}`
        const r = await fetch(`${base}/api/v1/claude/sessions/${rec.session}/logs?${q}`, { headers })
        if (r.status !== 200) break
        const body = (await r.json()) as { logs: any[]; next_before: number | null }
        for (const l of body.logs) if (l.data?.execution_id === rec.id) lines += linesOf(l, null, 0)
        if (!body.next_before) break
        before = body.next_before
      }
      logged += lines
    }
  }
  const total = finished.reduce((a, r) => a + r.lines, 0)
  return {
    executions: n,
    statuses: finished.reduce<Record<string, number>>((a, r) => ((a[r.status] = (a[r.status] ?? 0) + 1), a), {}),
    lines_received: total,
    lines_min_per_execution: Math.min(...finished.map((r) => r.lines)),
    lines_logged: req.checkLogs === false ? null : logged,
    frames: finished.reduce((a, r) => a + r.frames, 0),
    elapsed_ms: elapsed,
    lines_per_s: total / (elapsed / 1000),
    overhead_ms: summarize(Float64Array.from(lat)),
  }
}

// ---- uploads
// ----------------------------------------------------------------------------------------------------------

let payloadCache: Uint8Array<ArrayBuffer> | null = null

/** `size` random bytes, built once per size and reused (building them is not what is measured). */
function randomPayload(size: number): Uint8Array<ArrayBuffer> {
  if (!payloadCache || payloadCache.length !== size) {
    payloadCache = new Uint8Array(size)
    for (let off = 0; off < size; off += 65_536)
      crypto.getRandomValues(payloadCache.subarray(off, Math.min(size, off + 65_536)))
  }
  return payloadCache
}

/** POSTs a multipart body (fields, then a `size`-byte random file, from memory) to `url`; returns MB/s. */
async function runUpload(req: Record<string, any>) {
  const size = Number(req.size)
  const payload = randomPayload(size)
  const boundary = `----cchubbench${Date.now()}`
  const fields = Object.entries((req.fields ?? {}) as Record<string, string>)
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('')
  const pre = `${fields}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="payload.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`
  const post = `\r\n--${boundary}--\r\n`
  const body = new Blob([pre, payload, post])
  const t0 = now()
  const res = await fetch(String(req.url), {
    method: 'POST',
    headers: {
      ...(req.token ? { authorization: `Bearer ${req.token}` } : {}),
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    body,
  })
  const text = await res.text()
  const ms = now() - t0
  return { status: res.status, body: text.slice(0, 300), ms, mb_per_s: size / 1e6 / (ms / 1000) }
}

const CHUNK = 512 * 1024 // the server's suggested chunk_size with the default 1 MiB frame limit
const WINDOW = 8 // chunks in flight

/**
 * Uploads a `size`-byte random file over WebSocket in base64 `upload_chunk`s (docs/protocol.md, "Chunked upload"),
 * WINDOW chunks in flight, from `upload_start` to the `file_uploaded` reply; returns MB/s of file bytes.
 */
async function runWsUpload(req: Record<string, any>) {
  const size = Number(req.size)
  const data = randomPayload(size)
  const ws = new WebSocket(String(req.url))
  const waiting = new Map<string, (m: any) => void>()
  let nextId = 0
  const opened = Promise.withResolvers<void>()
  ws.onmessage = (ev) => {
    const m = JSON.parse(String(ev.data))
    if (m.type === 'connected') opened.resolve()
    if (m.id !== undefined) waiting.get(m.id)?.(m)
  }
  ws.onclose = (ev) => opened.reject(new Error(`socket closed ${ev.code} ${ev.reason}`))
  const request = (type: string, body: unknown) =>
    new Promise<any>((resolve) => {
      const id = `r${nextId++}`
      waiting.set(id, (m) => (waiting.delete(id), resolve(m)))
      ws.send(JSON.stringify({ type, id, data: body }))
    })
  await opened.promise
  const total = Math.ceil(size / CHUNK)
  const t0 = now()
  const start = await request('upload_start', {
    filename: 'payload.bin',
    size,
    total_chunks: total,
    ...(req.fields ?? {}),
  })
  if (start.type !== 'success') throw new Error(`upload_start: ${JSON.stringify(start.data)}`)
  const fileId = start.data.file_id
  let next = 0
  let done: any = null
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (next < total) {
        const i = next++
        const piece = Buffer.from(data.buffer, i * CHUNK, Math.min(CHUNK, size - i * CHUNK)).toString('base64')
        const r = await request('upload_chunk', {
          file_id: fileId,
          chunk_index: i,
          data: piece,
          is_last: i === total - 1,
        })
        if (r.type === 'file_uploaded') done = r.data
        else if (r.type !== 'upload_progress') throw new Error(`upload_chunk ${i}: ${JSON.stringify(r.data)}`)
      }
    }),
  )
  const ms = now() - t0
  ws.close()
  if (!done) throw new Error('no file_uploaded reply')
  return { status: 201, body: JSON.stringify(done).slice(0, 300), ms, mb_per_s: size / 1e6 / (ms / 1000) }
}

send({ ready: true, pid: process.pid })
