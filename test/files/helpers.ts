// Shared helpers for the files suite: a server with users of every role on one session, and raw multipart bodies.
import { expect } from 'bun:test'
import type { Config } from '../../src/config/schema.ts'
import type { SessionRole } from '../../src/store/records.ts'
import { startTestServer, type TestServer } from '../support/server.ts'
import { createSession as createSessionRow } from '../../src/modules/sessions/create.ts'

export interface User {
  id: string
  token: string
}
export interface FilesEnv {
  s: TestServer
  admin: string
  owner: User
  collaborator: User
  viewer: User
  stranger: User
  workspaceId: string
  workspacePath: string
  sessionId: string
}

/** Owner creates a workspace; one session in it has a collaborator and a viewer; the stranger has no access at all. */
export async function startFilesEnv(
  config: Partial<Config> = {},
  env?: Record<string, string | undefined>,
): Promise<FilesEnv> {
  const s = await startTestServer({ wsRateLimit: 10_000, wsRateBurst: 10_000, ...config }, undefined, env)
  const admin = await s.login()
  const [owner, collaborator, viewer, stranger] = await Promise.all(
    ['owner', 'collab', 'viewer', 'stranger'].map((n) => s.createUser(admin, n)),
  )
  const res = await s.api('/api/v1/workspaces', { token: owner!.token, body: { name: 'files' } })
  expect(res.status).toBe(201)
  const ws = (await res.json()) as { id: string; path: string }
  const sessionId = await createSession(s, ws.id, owner!.id, {
    [collaborator!.id]: 'collaborator',
    [viewer!.id]: 'viewer',
  })
  return {
    s,
    admin,
    owner: owner!,
    collaborator: collaborator!,
    viewer: viewer!,
    stranger: stranger!,
    workspaceId: ws.id,
    workspacePath: ws.path,
    sessionId,
  }
}

/** A session straight in the store (no CLI run needed), with participants. */
export async function createSession(
  s: TestServer,
  workspaceId: string,
  ownerId: string,
  participants: Record<string, SessionRole> = {},
): Promise<string> {
  const store = s.services.store
  const { id, created_at: now } = await createSessionRow(store, {
    workspace_id: workspaceId,
    owner_id: ownerId,
    title: 't',
    cli_session_id: null,
  })
  for (const [userId, role] of Object.entries(participants))
    await store.sessions.putParticipant({ session_id: id, user_id: userId, role, created_at: now })
  return id
}

export interface Part {
  name: string
  filename?: string
  contentType?: string
  data: string | Uint8Array
  rawDisposition?: string
}

/** A multipart/form-data body built byte by byte, so file names reach the server exactly as written. */
export function multipart(
  parts: Part[],
  boundary = `----cchub${crypto.randomUUID()}`,
): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const chunks: Uint8Array[] = []
  const enc = new TextEncoder()
  for (const p of parts) {
    const disp =
      p.rawDisposition ?? `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`
    chunks.push(
      enc.encode(
        `--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.contentType ? `Content-Type: ${p.contentType}\r\n` : ''}\r\n`,
      ),
    )
    chunks.push(typeof p.data === 'string' ? enc.encode(p.data) : p.data, enc.encode('\r\n'))
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`))
  return { body: new Uint8Array(Buffer.concat(chunks)), contentType: `multipart/form-data; boundary=${boundary}` }
}

export async function upload(s: TestServer, token: string, parts: Part[], query = ''): Promise<Response> {
  const { body, contentType } = multipart(parts)
  return fetch(`${s.url}/api/v1/files/upload${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  })
}

/** Uploads `data` as `name` into the session (or workspace) and returns the file view; fails the test unless 201. */
export async function uploadOk(
  s: TestServer,
  token: string,
  target: { session_id?: string; workspace_id?: string },
  name: string,
  data: string | Uint8Array,
  contentType = 'application/octet-stream',
): Promise<any> {
  const fields = Object.entries(target).map(([k, v]) => ({ name: k, data: v! }))
  const res = await upload(s, token, [...fields, { name: 'file', filename: name, contentType, data }])
  const text = await res.text()
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${text}`)
  return JSON.parse(text)
}

export const sha256 = (data: string | Uint8Array) => new Bun.CryptoHasher('sha256').update(data).digest('hex')
