// Session files over REST: multipart upload with progress (XMLHttpRequest reports it), download as a blob.
import { accessToken, api } from '../lib/auth.ts'
import { ApiError, errorOf, rawRequest } from '../lib/http.ts'
import type { FileView, Session } from '../lib/types.ts'

export async function uploadFile(
  sessionId: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<FileView> {
  const token = await accessToken()
  const form = new FormData()
  form.append('file', file, file.name)
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `/api/v1/files/upload?session_id=${encodeURIComponent(sessionId)}`)
    xhr.setRequestHeader('authorization', `Bearer ${token}`)
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total)
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'The upload was cut off; try again'))
    xhr.onload = () => {
      let body: any = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        // handled below as a plain failure
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) resolve(body as FileView)
      else
        reject(new ApiError(xhr.status, body?.code ?? 'HTTP_ERROR', body?.message ?? `Upload failed (${xhr.status})`))
    }
    xhr.send(form)
  })
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
