// Request bodies over the limits get the error shape (not Bun's bare 413), chunked bodies only reach upload routes.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { startTestServer, type TestServer } from '../support/server.ts'
import { expectError, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT)

const MAX_BODY = 64 * 1024
let s: TestServer
let token: string

beforeAll(async () => {
  s = await startTestServer({ maxBodyBytes: MAX_BODY, maxUploadBytes: 1024 * 1024 })
  token = await s.login()
}, SETUP_TIMEOUT)
afterAll(() => s.close())

/** Sends only the head of a request over a raw socket (a huge declared body is never sent) and returns the response. */
async function rawHead(head: string): Promise<{ status: number; headers: string; body: string }> {
  let text = ''
  const done = Promise.withResolvers<void>()
  const sock = await Bun.connect({
    hostname: '127.0.0.1',
    port: s.port,
    socket: {
      data(_s, chunk) {
        text += Buffer.from(chunk).toString('utf8')
        const end = text.indexOf('\r\n\r\n')
        const len = /content-length: (\d+)/i.exec(text.slice(0, end))
        if (end >= 0 && len && text.length >= end + 4 + Number(len[1])) done.resolve()
      },
      close: () => done.resolve(),
      error: () => done.resolve(),
    },
  })
  sock.write(head)
  await Promise.race([done.promise, Bun.sleep(5000)])
  sock.end()
  const end = text.indexOf('\r\n\r\n')
  return { status: Number(text.slice(9, 12)), headers: text.slice(0, end), body: text.slice(end + 4) }
}

const json = (body: string, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...extra },
  body,
})

test('a JSON body over CCHUB_MAX_BODY_BYTES is 413 PAYLOAD_TOO_LARGE in the error shape, with X-Request-Id = trace_id', async () => {
  const res = await fetch(`${s.url}/api/v1/workspaces`, json(JSON.stringify({ name: 'x'.repeat(MAX_BODY) })))
  const id = res.headers.get('x-request-id')
  const body = await expectError(res, 413, 'PAYLOAD_TOO_LARGE')
  expect(body.message).toContain('CCHUB_MAX_BODY_BYTES')
  expect(body.trace_id).toBe(id!)
})

test('a body at the limit is let through to validation', async () => {
  const body = JSON.stringify({ name: 'x'.repeat(MAX_BODY - 20) })
  expect(body.length).toBeLessThanOrEqual(MAX_BODY)
  await expectError(await fetch(`${s.url}/api/v1/workspaces`, json(body)), 422, 'VALIDATION_FAILED')
  const ok = await fetch(`${s.url}/api/v1/workspaces`, json(JSON.stringify({ name: 'small' })))
  expect(ok.status).toBe(201)
})

test('a declared size of 10 GB is refused before any of it is read, in the error shape, on any route', async () => {
  for (const path of ['/api/v1/workspaces', '/api/v1/files/upload']) {
    const ctype = path.endsWith('upload') ? 'multipart/form-data; boundary=xyz' : 'application/json'
    const r = await rawHead(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${ctype}\r\nContent-Length: 10737418240\r\n\r\n{`,
    )
    expect(r.status).toBe(413)
    expect(r.headers.toLowerCase()).toContain('x-request-id:')
    expect(JSON.parse(r.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
  }
})

test('a chunked body is 411 LENGTH_REQUIRED on a JSON route; file uploads still take chunked bodies', async () => {
  const stream = (text: string) =>
    new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(text))
        c.close()
      },
    })
  const res = await fetch(`${s.url}/api/v1/workspaces`, {
    ...json(''),
    body: stream('{"name":"chunked"}'),
    duplex: 'half',
  } as RequestInit)
  await expectError(res, 411, 'LENGTH_REQUIRED')

  const ws = (await (await fetch(`${s.url}/api/v1/workspaces`, json(JSON.stringify({ name: 'up' })))).json()) as {
    id: string
  }
  const form = `--b\r\nContent-Disposition: form-data; name="workspace_id"\r\n\r\n${ws.id}\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n`
  const up = await fetch(`${s.url}/api/v1/files/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=b' },
    body: stream(form),
    duplex: 'half',
  } as RequestInit)
  expect(up.status).toBe(201)
  expect(await up.json()).toMatchObject({ name: 'a.txt', size: 5 })
})
