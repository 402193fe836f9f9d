// TypeBox schemas for /api/v1/files and the WebSocket file messages (chunked upload, share, delete).
import { t } from 'elysia'
import { clientMessage } from '../realtime/model.ts'

const Id = t.String({ minLength: 1, maxLength: 64 })
const OptId = t.Optional(t.String({ maxLength: 64 }))

export const FileView = t.Object(
  {
    file_id: t.String(),
    name: t.String({ description: 'Sanitised name; also the file name on disk' }),
    path: t.String({
      description: 'Path relative to the workspace directory, e.g. uploads/report.pdf',
      examples: ['uploads/report.pdf'],
    }),
    size: t.Integer(),
    content_type: t.String({
      description: 'The type the server detected and serves the file with (the declared type is not trusted)',
    }),
    sha256: t.String(),
    session_id: t.Nullable(t.String()),
    workspace_id: t.Nullable(t.String()),
    owner_id: t.String(),
    created_at: t.String({ format: 'date-time' }),
  },
  { title: 'File' },
)
export type FileView = typeof FileView.static

export const FileList = t.Object({ files: t.Array(FileView), total: t.Integer() })
export const FileIdParam = t.Object({ id: Id })
export const FileListQuery = t.Object({
  session_id: OptId,
  workspace_id: OptId,
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 100 })),
  offset: t.Optional(t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
})
export const UploadQuery = t.Object({ session_id: OptId, workspace_id: OptId })
export const ShareBody = t.Object({ session_id: Id })

/** Documentation only: the upload route reads the body itself as a stream. */
export const uploadRequestBody = {
  required: true,
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['file'],
        properties: {
          file: { type: 'string', format: 'binary' },
          session_id: { type: 'string', description: 'Target session (collaborator role); or give workspace_id' },
          workspace_id: { type: 'string', description: 'Target workspace, for a file not tied to a session' },
        },
      },
    },
  },
}

export const Download = t.String({ format: 'binary', description: 'The file (or the requested range)' })

// ---- WebSocket messages -------------------------------------------------------------------------------------

export const UploadStartData = t.Object({
  filename: t.String({ minLength: 1, maxLength: 4096 }),
  size: t.Integer({ minimum: 0 }),
  content_type: t.Optional(t.String({ maxLength: 255 })),
  total_chunks: t.Integer({ minimum: 1, maximum: 1_000_000 }),
  session_id: OptId,
  workspace_id: OptId,
  file_id: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 64,
      description:
        "The client's own id for this upload: its chunks, status and cancel may use it instead of the server's",
    }),
  ),
})
export type UploadStartData = typeof UploadStartData.static
export const UploadChunkData = t.Object({
  file_id: Id,
  chunk_index: t.Integer({ minimum: 0 }),
  data: t.String({ description: 'The chunk, base64' }),
  is_last: t.Optional(t.Boolean()),
})
export type UploadChunkData = typeof UploadChunkData.static

export const UploadStartMessage = clientMessage('upload_start', UploadStartData)
export const UploadChunkMessage = clientMessage('upload_chunk', UploadChunkData)
export const UploadStatusMessage = clientMessage('upload_status', t.Object({ file_id: Id }))
export const UploadCancelMessage = clientMessage('upload_cancel', t.Object({ file_id: Id }))
export const ShareFileMessage = clientMessage(
  'share_file',
  t.Object({ file_id: Id, target_session_id: OptId, session_id: OptId }),
)
export const DeleteFileMessage = clientMessage('delete_file', t.Object({ file_id: Id }))
