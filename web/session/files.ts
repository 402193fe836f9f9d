// Session files: chunked upload over the WebSocket with progress, download as a blob, delete, share.
import { accessToken, api } from '../lib/auth.ts'
import { ApiError, errorOf, rawRequest } from '../lib/http.ts'
import { realtime } from '../lib/realtime.ts'
import type { FileView, Session } from '../lib/types.ts'

/**
 * Uploads over the WebSocket in chunks (the SDK resumes after a dropped connection, sending only what the server
 * lacks). An empty file cannot be chunked, so it goes as one REST multipart request.
 */
export async function uploadFile(
  sessionId: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<FileView> {
  if (file.size === 0) return uploadRest(sessionId, file)
  return realtime().upload(file, {
    filename: file.name,
    session_id: sessionId,
    content_type: file.type || undefined,
    onProgress: (p) => onProgress(p.bytes / p.size),
  })
}

async function uploadRest(sessionId: string, file: File): Promise<FileView> {
  const form = new FormData()
  form.append('file', file, file.name)
  const res = await fetch(`/api/v1/files/upload?session_id=${encodeURIComponent(sessionId)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await accessToken()}` },
    body: form,
  }).catch(() => {
    throw new ApiError(0, 'NETWORK', 'The upload was cut off; try again')
  })
  if (!res.ok) throw await errorOf(res)
  return (await res.json()) as FileView
}

/** Fetches with the bearer token (a plain link could not carry it) and hands the bytes to the browser as a download. */
export async function downloadFile(f: FileView): Promise<void> {
  const res = await rawRequest(`/api/v1/files/${encodeURIComponent(f.file_id)}`, { token: await accessToken() })
  if (!res.ok) throw await errorOf(res)
  const url = URL.createObjectURL(await res.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = f.name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

export async function deleteFile(f: FileView): Promise<void> {
  await api(`/api/v1/files/${encodeURIComponent(f.file_id)}`, { method: 'DELETE' })
}

/** Copies the file into another session (a new file there, owned by this user); the server checks both roles. */
export function shareFile(f: FileView, sessionId: string): Promise<FileView> {
  return api<FileView>(`/api/v1/files/${encodeURIComponent(f.file_id)}/share`, { body: { session_id: sessionId } })
}

/** Sessions this user may put files into (collaborator or more, still open), other than `except`. */
export async function shareTargets(except: string): Promise<Session[]> {
  const r = await api<{ sessions: Session[] }>('/api/v1/claude/sessions?limit=200')
  return r.sessions.filter(
    (s) => s.id !== except && s.status === 'active' && (s.role === 'owner' || s.role === 'collaborator'),
  )
}
