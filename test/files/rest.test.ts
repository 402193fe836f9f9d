// REST files: round trip, field order, Range, safe serving, name attacks, size limit, events, delete, share.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { expectError } from '../foundation/helpers.ts'
import { WsClient } from '../support/ws-client.ts'
import { createSession, sha256, startFilesEnv, upload, uploadOk, type FilesEnv } from './helpers.ts'
import { waitFor } from '../support/wait.ts'

let e: FilesEnv
beforeAll(async () => {
  e = await startFilesEnv({ maxUploadBytes: 1024 * 1024 })
})
afterAll(() => e.s.close())

const get = (path: string, token: string, headers: Record<string, string> = {}) => e.s.api(path, { token, headers })
const uploadsDir = () => join(realpathSync(e.workspacePath), 'uploads')

describe('upload and download', () => {
  test('round trip: metadata, bytes, sha256, and the file lands in the workspace uploads/', async () => {
    const data = 'hello, Claude\n'.repeat(100)
    const f = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, 'notes.txt', data, 'text/plain')
    expect(f).toMatchObject({
      name: 'notes.txt',
      path: 'uploads/notes.txt',
      size: data.length,
      sha256: sha256(data),
      session_id: e.sessionId,
      workspace_id: e.workspaceId,
      owner_id: e.collaborator.id,
    })
    expect(f.content_type).toBe('text/plain; charset=utf-8')
    expect(readFileSync(join(uploadsDir(), 'notes.txt'), 'utf8')).toBe(data)
    const res = await get(`/api/v1/files/${f.file_id}`, e.viewer.token)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="notes.txt"; filename*=UTF-8''notes.txt`)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toStartWith('sandbox')
    expect(res.headers.get('accept-ranges')).toBe('bytes')
    expect(res.headers.get('x-request-id')).toBeTruthy()
    expect(await res.text()).toBe(data)
  })

  test('the file part may come before session_id, and the target may be in the query string', async () => {
    const r1 = await upload(e.s, e.collaborator.token, [
      { name: 'file', filename: 'first.bin', data: 'abc' },
      { name: 'session_id', data: e.sessionId },
    ])
    expect(r1.status).toBe(201)
    const r2 = await upload(
      e.s,
      e.collaborator.token,
      [{ name: 'file', filename: 'q.bin', data: 'abc' }],
      `?session_id=${e.sessionId}`,
    )
    expect(r2.status).toBe(201)
    expect((await r2.json()).session_id).toBe(e.sessionId)
  })

  test('no target puts the file in your default workspace (seed 001); no file part, not multipart, or a broken body are clear errors', async () => {
    const before = readdirSync(uploadsDir()).length
    const untargeted = await upload(e.s, e.collaborator.token, [{ name: 'file', filename: 'x.txt', data: 'x' }])
    expect(untargeted.status).toBe(201)
    const def = (await (await e.s.api('/api/v1/workspaces/default', { token: e.collaborator.token })).json()) as any
    expect(def.id).toBeString()
    expect(((await untargeted.json()) as any).workspace_id).toBe(def.id)
    await expectError(
      await upload(e.s, e.collaborator.token, [{ name: 'session_id', data: e.sessionId }]),
      422,
      'VALIDATION_FAILED',
    )
    await expectError(
      await e.s.api('/api/v1/files/upload', { token: e.collaborator.token, body: { file: 'x' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    )
    const truncated = await fetch(`${e.s.url}/api/v1/files/upload?session_id=${e.sessionId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.collaborator.token}`, 'content-type': 'multipart/form-data; boundary=XyZ' },
      body: '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="t.txt"\r\n\r\nno closing boundary',
    })
    await expectError(truncated, 400, 'BAD_REQUEST')
    expect(readdirSync(uploadsDir()).length).toBe(before)
    expect(readdirSync(e.s.services.files.tmpDir)).toEqual([])
  })

  test('Range requests: 206 with Content-Range for a, a-b, -n; 416 beyond the end; several ranges serve it all', async () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251))
    const f = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, 'range.bin', data)
    const range = async (h: string) => get(`/api/v1/files/${f.file_id}`, e.viewer.token, { range: h })
    let res = await range('bytes=10-19')
    expect(res.status).toBe(206)
    expect(res.headers.get('content-range')).toBe('bytes 10-19/1000')
    expect(res.headers.get('content-length')).toBe('10')
    expect(Buffer.from(await res.arrayBuffer())).toEqual(data.subarray(10, 20))
    res = await range('bytes=990-')
    expect(res.headers.get('content-range')).toBe('bytes 990-999/1000')
    expect(Buffer.from(await res.arrayBuffer())).toEqual(data.subarray(990))
    res = await range('bytes=-5')
    expect(res.status).toBe(206)
    expect(Buffer.from(await res.arrayBuffer())).toEqual(data.subarray(995))
    res = await range('bytes=900-5000')
    expect(res.headers.get('content-range')).toBe('bytes 900-999/1000')
    res = await range('bytes=1000-')
    expect(res.headers.get('content-range')).toBe('bytes */1000')
    await expectError(res, 416, 'RANGE_NOT_SATISFIABLE')
    res = await range('bytes=0-1,5-6')
    expect(res.status).toBe(200)
    expect((await res.arrayBuffer()).byteLength).toBe(1000)
    const etag = res.headers.get('etag')!
    res = await get(`/api/v1/files/${f.file_id}`, e.viewer.token, { range: 'bytes=0-1', 'if-range': '"stale"' })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    res = await get(`/api/v1/files/${f.file_id}`, e.viewer.token, { range: 'bytes=0-1', 'if-range': etag })
    expect(res.status).toBe(206)
    await res.arrayBuffer()
  })

  test('HTML, SVG and scripts are served as attachments with a plain type, whatever the client declared', async () => {
    for (const [name, type, body] of [
      ['page.html', 'text/html', '<html><script>alert(1)</script></html>'],
      ['pic.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
      ['x.png', 'image/png', '<script>alert(1)</script>'],
    ] as const) {
      const f = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, name, body, type)
      const res = await get(`/api/v1/files/${f.file_id}`, e.viewer.token)
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
      expect(res.headers.get('content-disposition')).toStartWith('attachment;')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(await res.text()).toBe(body)
    }
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
    const f = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, 'real.png', png, 'text/html')
    expect(f.content_type).toBe('image/png')
    const bin = await uploadOk(
      e.s,
      e.collaborator.token,
      { session_id: e.sessionId },
      'blob.dat',
      Buffer.from([0, 1, 2, 255]),
      'text/html',
    )
    expect(bin.content_type).toBe('application/octet-stream')
  })

  test('path and name attacks are sanitised and stay inside uploads/', async () => {
    const cases: [string, (n: string) => void][] = [
      ['../../etc/passwd', (n) => expect(n).toBe('passwd')],
      ['/etc/shadow', (n) => expect(n).toBe('shadow')],
      ['..\\..\\windows\\win.ini', (n) => expect(n).toBe('win.ini')],
      ['..', (n) => expect(n).toBe('file')],
      ['.bashrc', (n) => expect(n).toBe('_bashrc')],
      ['-rf .txt', (n) => expect(n).toBe('_rf .txt')],
      ['evil\u0000.txt', (n) => expect(n).toBe('evil.txt')],
      ['a\u202egnp.exe', (n) => expect(n).toBe('agnp.exe')],
      [
        'x'.repeat(5000) + '.txt',
        (n) => (expect(Buffer.byteLength(n)).toBeLessThanOrEqual(200), expect(n).toEndWith('.txt')),
      ],
      [
        '日本語の名前😀'.repeat(30) + '.md',
        (n) => (
          expect(Buffer.byteLength(n)).toBeLessThanOrEqual(200),
          expect(n).toEndWith('.md'),
          expect(n).not.toContain('\ufffd')
        ),
      ],
      ['naïve café.txt', (n) => expect(n).toBe('naïve café.txt')],
    ]
    const dir = uploadsDir()
    for (const [raw, check] of cases) {
      const f = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, raw, 'x')
      check(f.name)
      expect(f.path).toBe(`uploads/${f.name}`)
      const onDisk = join(dir, f.name)
      expect(lstatSync(onDisk).isFile()).toBe(true)
      expect(realpathSync(onDisk).startsWith(dir + '/')).toBe(true)
      const res = await get(`/api/v1/files/${f.file_id}`, e.viewer.token)
      expect(res.headers.get('content-disposition')).toContain(
        `filename*=UTF-8''${encodeURIComponent(f.name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
      )
      await res.arrayBuffer()
    }
    expect(existsSync(join(realpathSync(e.workspacePath), 'etc'))).toBe(false)
    // RFC 8187 filename* wins over filename; same name twice gets a free variant, never overwriting
    const star = await upload(e.s, e.collaborator.token, [
      { name: 'session_id', data: e.sessionId },
      {
        name: 'file',
        rawDisposition: `form-data; name="file"; filename="fallback.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`,
        data: '1',
      },
    ])
    expect((await star.json()).name).toBe('résumé.txt')
    const again = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, 'résumé.txt', '2')
    expect(again.name).toBe('résumé (1).txt')
    expect(readFileSync(join(dir, 'résumé.txt'), 'utf8')).toBe('1')
  })

  test('a symlink planted in uploads/ is never followed: not overwritten on upload, not served on download', async () => {
    const dir = uploadsDir()
    symlinkSync('/etc/hostname', join(dir, 'planted.txt'))
    const f = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, 'planted.txt', 'mine')
    expect(f.name).toBe('planted (1).txt')
    // Claude (or anyone with the workspace) swaps an uploaded file for a link to a secret: the download refuses it
    const g = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, 'swap.txt', 'ok')
    const { unlinkSync } = await import('node:fs')
    unlinkSync(join(dir, 'swap.txt'))
    symlinkSync('/etc/hostname', join(dir, 'swap.txt'))
    await expectError(await get(`/api/v1/files/${g.file_id}`, e.owner.token), 404, 'NOT_FOUND')
  })

  test('larger than maxUploadBytes: 413, partial file removed, nothing registered', async () => {
    const before = readdirSync(uploadsDir()).length
    const listBefore = (await (await get(`/api/v1/files?session_id=${e.sessionId}`, e.owner.token)).json()).total
    const big = new Uint8Array(1024 * 1024 + 1)
    // chunked (no Content-Length): the limit is enforced while streaming
    const { body, contentType } = (await import('./helpers.ts')).multipart([
      { name: 'session_id', data: e.sessionId },
      { name: 'file', filename: 'big.bin', data: big },
    ])
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < body.length; i += 65536) c.enqueue(body.subarray(i, i + 65536))
        c.close()
      },
    })
    const res = await fetch(`${e.s.url}/api/v1/files/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.collaborator.token}`, 'content-type': contentType },
      body: stream,
    })
    await expectError(res, 413, 'PAYLOAD_TOO_LARGE')
    // with Content-Length far above the limit: refused before reading
    await expectError(
      await upload(e.s, e.collaborator.token, [
        { name: 'session_id', data: e.sessionId },
        { name: 'file', filename: 'big.bin', data: new Uint8Array(3 * 1024 * 1024) },
      ]),
      413,
      'PAYLOAD_TOO_LARGE',
    )
    // the refused stream's temporary file is removed as the request ends (possibly just after the answer)
    await waitFor(() => readdirSync(e.s.services.files.tmpDir).length === 0, 3000, 'the temporary file to go')
    expect(readdirSync(uploadsDir()).length).toBe(before)
    expect((await (await get(`/api/v1/files?session_id=${e.sessionId}`, e.owner.token)).json()).total).toBe(listBefore)
    // exactly at the limit is fine
    const ok = await uploadOk(
      e.s,
      e.collaborator.token,
      { session_id: e.sessionId },
      'limit.bin',
      new Uint8Array(1024 * 1024),
    )
    expect(ok.size).toBe(1024 * 1024)
  })
})

test('a client that disconnects mid-upload leaves no partial file behind', async () => {
  const before = readdirSync(uploadsDir()).length
  const { body, contentType } = (await import('./helpers.ts')).multipart([
    { name: 'session_id', data: e.sessionId },
    { name: 'file', filename: 'cut.bin', data: new Uint8Array(512 * 1024) },
  ])
  const abort = new AbortController()
  let sent = 0
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (sent >= 256 * 1024) {
        // once the server has started writing the file, the client goes away
        await waitFor(() => readdirSync(e.s.services.files.tmpDir).length > 0, 3000, 'the server to start writing')
        abort.abort()
        return
      }
      c.enqueue(body.subarray(sent, sent + 65536))
      sent += 65536
    },
  })
  const res = fetch(`${e.s.url}/api/v1/files/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.collaborator.token}`, 'content-type': contentType },
    body: stream,
    signal: abort.signal,
  })
  expect(
    await res.then(
      () => 'answered',
      () => 'aborted',
    ),
  ).toBe('aborted')
  await waitFor(() => readdirSync(e.s.services.files.tmpDir).length === 0, 3000, 'the partial file to go')
  expect(readdirSync(uploadsDir()).length).toBe(before)
})

describe('events, delete and share', () => {
  test('file_uploaded, file_shared and file_deleted are published on the session channels', async () => {
    const other = await createSession(e.s, e.workspaceId, e.owner.id, { [e.collaborator.id]: 'collaborator' })
    const ws = await WsClient.connect(`${e.s.wsUrl}?token=${e.owner.token}`)
    await ws.subscribe(`session:${e.sessionId}`)
    await ws.subscribe(`session:${other}`)
    const f = await uploadOk(e.s, e.collaborator.token, { session_id: e.sessionId }, 'ev.txt', 'events')
    const up = await ws.next((m) => m.type === 'file_uploaded' && m.data.file_id === f.file_id)
    expect(up.channel).toBe(`session:${e.sessionId}`)
    expect(up.seq).toBeGreaterThan(0)
    expect(up.data).toMatchObject({
      name: 'ev.txt',
      sha256: sha256('events'),
      by: { id: e.collaborator.id, username: 'collab' },
    })

    const res = await e.s.api(`/api/v1/files/${f.file_id}/share`, {
      token: e.collaborator.token,
      body: { session_id: other },
    })
    expect(res.status).toBe(201)
    const shared = await res.json()
    expect(shared).toMatchObject({ session_id: other, sha256: sha256('events'), size: 6, name: 'ev (1).txt' })
    expect(shared.file_id).not.toBe(f.file_id)
    const sh = await ws.next((m) => m.type === 'file_shared')
    expect(sh.channel).toBe(`session:${other}`)
    expect(sh.data.shared_from).toEqual({ file_id: f.file_id, session_id: e.sessionId })

    const del = await e.s.api(`/api/v1/files/${f.file_id}`, { method: 'DELETE', token: e.collaborator.token })
    expect(del.status).toBe(200)
    const d = await ws.next((m) => m.type === 'file_deleted')
    expect(d.data).toMatchObject({ file_id: f.file_id, session_id: e.sessionId })
    expect(existsSync(join(uploadsDir(), 'ev.txt'))).toBe(false)
    expect(existsSync(join(uploadsDir(), 'ev (1).txt'))).toBe(true)
    await expectError(await get(`/api/v1/files/${f.file_id}`, e.owner.token), 404, 'NOT_FOUND')
    await ws.close()
  })

  test('workspace-level files: upload with workspace_id, listed by workspace, event on workspace:<id>', async () => {
    const ws = await WsClient.connect(`${e.s.wsUrl}?token=${e.owner.token}`)
    await ws.subscribe(`workspace:${e.workspaceId}`)
    const f = await uploadOk(e.s, e.owner.token, { workspace_id: e.workspaceId }, 'shared-spec.md', '# spec')
    expect(f).toMatchObject({
      session_id: null,
      workspace_id: e.workspaceId,
      content_type: 'text/markdown; charset=utf-8',
    })
    const ev = await ws.next((m) => m.type === 'file_uploaded')
    expect(ev.channel).toBe(`workspace:${e.workspaceId}`)
    const list = await (await get(`/api/v1/files?workspace_id=${e.workspaceId}`, e.owner.token)).json()
    expect(list.files.map((x: any) => x.file_id)).toContain(f.file_id)
    await ws.close()
  })
})
