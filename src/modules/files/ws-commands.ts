// WebSocket files: chunked upload (upload_start/chunk/status/cancel), share_file, delete_file (docs/protocol.md).
import type { Dispatcher } from '../realtime/dispatcher.ts'
import { reply } from '../realtime/envelope.ts'
import type { ChunkedUploads } from './chunked-upload.ts'
import {
  DeleteFileMessage,
  ShareFileMessage,
  UploadCancelMessage,
  UploadChunkMessage,
  UploadStartMessage,
  UploadStatusMessage,
} from './model.ts'
import type { FileService } from './service.ts'
import { invalid } from '../../core/errors.ts'

export function registerFileCommands(d: Dispatcher, files: FileService, uploads: ChunkedUploads): void {
  d.on('upload_start', UploadStartMessage, (msg, { conn }) => uploads.start(conn.principal!.user, msg.data))
  // The one reply to a chunk is `upload_progress` (same id), or `file_uploaded` for the chunk that completes the file.
  d.on(
    'upload_chunk',
    UploadChunkMessage,
    async (msg, { conn }) => {
      const r = await uploads.chunk(conn.principal!.user, msg.data)
      if (r.file) {
        if (r.progress) conn.send(reply('upload_progress', undefined, r.progress))
        const own = msg.data.file_id === r.file.file_id ? {} : { client_file_id: msg.data.file_id }
        conn.send(reply('file_uploaded', msg.id, { ...r.file, ...own }))
      } else {
        conn.send(reply('upload_progress', msg.id, r.progress))
      }
      return undefined
    },
    { unmetered: true },
  )
  d.on('upload_status', UploadStatusMessage, (msg, { conn }) => uploads.status(conn.principal!.user, msg.data.file_id))
  d.on('upload_cancel', UploadCancelMessage, (msg, { conn }) => uploads.cancel(conn.principal!.user, msg.data.file_id))
  d.on('share_file', ShareFileMessage, async (msg, { conn }) => {
    const target = msg.data.target_session_id ?? msg.data.session_id
    if (!target) throw invalid('share_file needs target_session_id')
    return { action: 'share_file', file: await files.share(conn.principal!.user, msg.data.file_id, target) }
  })
  d.on('delete_file', DeleteFileMessage, async (msg, { conn }) => {
    await files.remove(conn.principal!.user, msg.data.file_id)
    return { action: 'delete_file', file_id: msg.data.file_id, deleted: true }
  })
}
