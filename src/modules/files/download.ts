// What GET /files/:id sends: the real path, the byte range (If-Range aware) and headers that never trust the upload.
import { AppError, notFound } from '../../core/errors.ts'
import type { FileRecord, WorkspaceRecord } from '../../store/records.ts'
import { contentDisposition, SAFE_TYPES } from './names.ts'
import { parseRange } from './range.ts'
import { storedFile } from './storage.ts'

export function downloadOf(file: FileRecord, ws: WorkspaceRecord | null, range: string | null, ifRange: string | null) {
  const stored = ws ? storedFile(file.path, ws.path) : null
  if (!stored) throw notFound('File content')
  const size = stored.stat.size
  const etag = `"${size.toString(16)}-${Math.floor(stored.stat.mtimeMs).toString(16)}"`
  const r = ifRange && ifRange !== etag ? ({ kind: 'full' } as const) : parseRange(range, size)
  if (r.kind === 'unsatisfiable') {
    throw new AppError('RANGE_NOT_SATISFIABLE', 416, `The range is outside the file's ${size} bytes`, {
      headers: { 'content-range': `bytes */${size}` },
    })
  }
  const headers: Record<string, string> = {
    'content-type': SAFE_TYPES.has(file.content_type) ? file.content_type : 'application/octet-stream',
    'content-disposition': contentDisposition(file.name),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "sandbox; default-src 'none'",
    'cache-control': 'private, no-cache',
    'accept-ranges': 'bytes',
    etag,
  }
  if (r.kind === 'full') return { path: stored.real, status: 200, start: 0, end: size - 1, headers }
  headers['content-range'] = `bytes ${r.start}-${r.end}/${size}`
  return { path: stored.real, status: 206, start: r.start, end: r.end, headers }
}
