// A 200 MB upload through a real server process: written while it arrives, byte-identical on download, bounded memory.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const SIZE = 200 * 1024 * 1024
const PIECE = 256 * 1024
const MAIN = join(import.meta.dir, '../../src/main.ts')
const PASSWORD = 'large-upload-admin-password'

let proc: ReturnType<typeof Bun.spawn>
let url = ''
let token = ''
let dataDir = ''

/** Starts `bun src/main.ts` on a free port (the server must be its own process so its RSS is not the test client's). */
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cchub-large-'))
  proc = Bun.spawn([process.execPath, MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      CCHUB_PORT: '0',
      CCHUB_DATA_DIR: dataDir,
      CCHUB_ADMIN_PASSWORD: PASSWORD,
      CCHUB_JWT_SECRET: 'large-upload-secret-large-upload-secret-0123',
      CCHUB_LOG_LEVEL: 'info',
      CCHUB_MAX_UPLOAD_BYTES: String(SIZE + 1024 * 1024),
    },
    stdout: 'pipe',
    stderr: 'inherit',
    stdin: 'ignore',
  })
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buf = ''
  while (!url) {
    const r = await reader.read()
    if (r.done) throw new Error('server exited before listening')
    buf += decoder.decode(r.value, { stream: true })
    const m = /"msg":"listening","url":"([^"]+)"/.exec(buf)
    if (m) url = m[1]!
  }
  void (async () => {
    while (!(await reader.read()).done);
  })() // keep draining the access log
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  })
  token = ((await login.json()) as { access_token: string }).access_token
}, 30_000)

afterAll(async () => {
  proc?.kill('SIGTERM')
  await proc?.exited
  rmSync(dataDir, { recursive: true, force: true })
})

const status = (field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))![1]) / 1024

/** Samples the server's RSS every few ms; the result is the peak growth over the RSS when the watch began, in MB. */
function rssWatch() {
  const base = status('VmRSS')
  const hwm = status('VmHWM')
  let peak = base
  const timer = setInterval(() => (peak = Math.max(peak, status('VmRSS'))), 5)
  return () => {
    clearInterval(timer)
    const after = status('VmHWM')
    return Math.max(peak, after > hwm ? after : 0) - base
  }
}

/** Bytes in the server's in-progress upload temp file (0 if none yet). */
function partBytes(): number {
  const dir = join(dataDir, 'tmp', 'uploads')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.part'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0)
}

/** Resolves once the temp file holds at least `bytes`, or with what it holds after 10 s. */
async function partReaches(bytes: number): Promise<number> {
  const until = Date.now() + 10_000
  while (partBytes() < bytes && Date.now() < until) await Bun.sleep(10)
  return partBytes()
}

test('200 MB multipart upload is on disk while it still arrives; the download is byte-identical; server RSS grows by well under half the file', async () => {
  const ws = (await (
    await fetch(`${url}/api/v1/workspaces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"name":"large"}',
    })
  ).json()) as { id: string }
  const boundary = '----cchubLargeUpload'
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="workspace_id"\r\n\r\n${ws.id}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const hash = new Bun.CryptoHasher('sha256')
  let sent = -1
  let onDiskAtHalf = -1
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent === -1) return ((sent = 0), c.enqueue(head))
      // Half way, the client holds back: a server that buffers the body would have nothing on disk yet.
      if (sent === SIZE / 2 && onDiskAtHalf < 0) onDiskAtHalf = await partReaches(SIZE / 2 - 16 * 1024 * 1024)
      if (sent >= SIZE) return (c.enqueue(tail), c.close())
      const piece = new Uint8Array(PIECE)
      for (let i = 0; i < PIECE; i += 65536) crypto.getRandomValues(piece.subarray(i, i + 65536))
      hash.update(piece)
      sent += PIECE
      c.enqueue(piece)
    },
  })
  const stop = rssWatch()
  const t0 = performance.now()
  const res = await fetch(`${url}/api/v1/files/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  })
  const seconds = (performance.now() - t0) / 1000
  const uploadGrowth = stop()
  const text = await res.text()
  expect(res.status, text).toBe(201)
  const f = JSON.parse(text)
  const expected = hash.digest('hex')
  expect(f).toMatchObject({ size: SIZE, sha256: expected, name: 'big.bin', content_type: 'application/octet-stream' })

  const stopDl = rssWatch()
  const dl = await fetch(`${url}/api/v1/files/${f.file_id}`, { headers: { authorization: `Bearer ${token}` } })
  expect(dl.status).toBe(200)
  expect(dl.headers.get('content-length')).toBe(String(SIZE))
  const got = new Bun.CryptoHasher('sha256')
  let n = 0
  const reader = dl.body!.getReader()
  for (let r = await reader.read(); !r.done; r = await reader.read()) got.update(r.value), (n += r.value.length)
  const downloadGrowth = stopDl()
  expect(n).toBe(SIZE)
  expect(got.digest('hex')).toBe(expected)
  console.log(
    `${SIZE / 1024 / 1024} MB upload: ${(SIZE / 1024 / 1024 / seconds).toFixed(0)} MB/s end to end (client generates and hashes too); server peak RSS growth: upload ${uploadGrowth.toFixed(1)} MB, download ${downloadGrowth.toFixed(1)} MB`,
  )
  expect(onDiskAtHalf).toBeGreaterThanOrEqual(SIZE / 2 - 16 * 1024 * 1024)
  // Buffering the body would grow RSS by the whole file or more; what remains is allocator and GC slack, which on a
  // loaded machine can be tens of MB: the bound is half the file both ways, a margin slack cannot reach.
  expect(uploadGrowth).toBeLessThan(SIZE / 1024 / 1024 / 2)
  expect(downloadGrowth).toBeLessThan(SIZE / 1024 / 1024 / 2)
}, 60_000)
