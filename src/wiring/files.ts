// Files wiring: the file service, chunked uploads in the (shared) data dir, and their WebSocket commands.
import type { AppDeps } from '../app.ts'
import { ChunkedUploads } from '../modules/files/chunked-upload.ts'
import { FileService } from '../modules/files/service.ts'
import { registerFileCommands } from '../modules/files/ws-commands.ts'
import type { ChannelLog } from '../modules/realtime/channel-log.ts'
import type { Dispatcher } from '../modules/realtime/dispatcher.ts'
import type { SessionAccess } from '../modules/sessions/access.ts'
import type { WorkspaceService } from '../modules/workspaces/service.ts'

export interface FilesWiring {
  log: ChannelLog
  dispatcher: Dispatcher
  sessionAccess: SessionAccess
  workspaces: WorkspaceService
}

export function buildFiles(deps: AppDeps, w: FilesWiring) {
  const c = deps.config
  const files = new FileService({
    store: deps.store,
    log: w.log,
    access: w.sessionAccess,
    workspaces: w.workspaces,
    config: c,
  })
  const uploadOptions = {
    dataDir: c.dataDir,
    maxUploadBytes: c.maxUploadBytes,
    expirySeconds: c.uploadExpiry,
    wsMaxMessageBytes: c.wsMaxMessageBytes,
  }
  const uploads = new ChunkedUploads(files, deps.store, uploadOptions, deps.logger)
  registerFileCommands(w.dispatcher, files, uploads)
  return { files, uploads }
}
