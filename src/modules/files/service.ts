// Files: upload, list, download, delete and share, with session/workspace roles; placed in the workspace's uploads/.
import { unlink } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Config } from '../../config/schema.ts'
import { AppError, forbidden, invalid, notFound } from '../../core/errors.ts'
import type { FileRecord, SessionRecord, UserRecord, WorkspaceRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { SessionAccess } from '../sessions/access.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import { sessionChannel, workspaceChannel } from '../realtime/channels.ts'
import type { WorkspaceService } from '../workspaces/service.ts'
import { downloadOf } from './download.ts'
import { FileAccess } from './file-access.ts'
import type { FileView } from './model.ts'
import { multipartBoundary } from './multipart-stream.ts'
import { detectType, sanitizeName } from './names.ts'
import { receiveMultipart } from './receive.ts'
import { freshDir, HashingWriter, place, removeStored, storedFile, tooLarge, uploadsDir } from './storage.ts'
import { toPublicFile } from './views.ts'

export interface FilesDeps {
  store: Store
  log: ChannelLog
  access: SessionAccess
  workspaces: WorkspaceService
  config: Pick<Config, 'dataDir' | 'maxUploadBytes'>
}
export interface TargetRef {
  session_id?: string
  workspace_id?: string
}
export interface Target {
  ws: WorkspaceRecord
  session: SessionRecord | null
}
export interface Content {
  size: number
  sha256: string
  head: Uint8Array
}

/** Room for multipart framing and small fields beyond the file itself. */
export const MULTIPART_OVERHEAD = 1024 * 1024
const channelOf = (f: FileRecord) => (f.session_id ? sessionChannel(f.session_id) : workspaceChannel(f.workspace_id!))
const hasRef = (r: TargetRef) => Boolean(r.session_id || r.workspace_id)

export class FileService {
  readonly tmpDir: string
  private readonly access: FileAccess

  constructor(private readonly deps: FilesDeps) {
    this.tmpDir = freshDir(join(deps.config.dataDir, 'tmp', 'uploads'))
    this.access = new FileAccess(deps)
  }

  get maxBytes(): number {
    return this.deps.config.maxUploadBytes
  }

  async upload(
    user: UserRecord,
    req: {
      body: ReadableStream<Uint8Array> | null
      contentType: string | null
      contentLength: number | null
      query: TargetRef
    },
  ) {
    const boundary = multipartBoundary(req.contentType)
    if (!boundary)
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        415,
        'Send multipart/form-data with a `file` part and session_id or workspace_id',
      )
    if (!req.body) throw invalid('The request has no body')
    if (req.contentLength !== null && req.contentLength > this.maxBytes + MULTIPART_OVERHEAD)
      throw tooLarge(this.maxBytes)
    let target = hasRef(req.query) ? await this.target(user, req.query) : null
    const got = await receiveMultipart(req.body, boundary, {
      tmpDir: this.tmpDir,
      maxBytes: this.maxBytes,
      beforeFile: async (fields) => void (target ??= hasRef(fields) ? await this.target(user, fields) : null),
    })
    try {
      target ??= await this.target(user, got.fields)
      return await this.register(user, target, got.tmpPath, got.filename, got, { move: true })
    } finally {
      await unlink(got.tmpPath).catch(() => {})
    }
  }

  /** Where a user may upload: see FileAccess.target. */
  target(user: UserRecord, ref: TargetRef): Promise<Target> {
    return this.access.target(user, ref)
  }

  /** Moves (or copies) a finished temp file into the target's uploads/, records it and announces it. */
  async register(
    user: UserRecord,
    target: Target,
    src: string,
    rawName: string,
    c: Content,
    o: { move: boolean; id?: string; event?: string; extra?: Record<string, unknown> },
  ): Promise<FileView> {
    const name = sanitizeName(rawName)
    const path = await place(src, uploadsDir(target.ws.path), name, o.move)
    const file: FileRecord = {
      id: o.id ?? Bun.randomUUIDv7(),
      owner_id: user.id,
      workspace_id: target.ws.id,
      session_id: target.session?.id ?? null,
      name: basename(path),
      path,
      size: c.size,
      content_type: detectType(name, c.head),
      sha256: c.sha256,
      created_at: Date.now(),
    }
    try {
      await this.deps.store.files.create(file)
    } catch (err) {
      await unlink(path).catch(() => {})
      throw err
    }
    const view = this.view(file, target.ws)
    await this.deps.log.emit(channelOf(file), o.event ?? 'file_uploaded', {
      ...view,
      ...o.extra,
      by: { id: user.id, username: user.username },
    })
    return view
  }

  async get(user: UserRecord, id: string): Promise<FileView> {
    const { file, ws } = await this.readable(user, id)
    return this.view(file, ws)
  }

  async list(user: UserRecord, q: { session_id?: string; workspace_id?: string; limit?: number; offset?: number }) {
    const page = { limit: q.limit ?? 100, offset: q.offset ?? 0 }
    if (q.session_id) {
      const { session } = await this.deps.access.require(user, q.session_id, 'viewer')
      const ws = await this.deps.store.workspaces.byId(session.workspace_id)
      const { items, total } = await this.deps.store.files.list({ sessionId: session.id, ...page })
      return { files: items.map((f) => this.view(f, ws)), total }
    }
    if (!q.workspace_id) throw invalid('session_id or workspace_id is required')
    const ws = await this.deps.workspaces.visible(user, q.workspace_id)
    const { items, total } = await this.deps.store.files.list({ workspaceId: ws.id, ...page })
    const files: FileView[] = []
    for (const f of items) if ((await this.access.roleOn(user, f)) !== null) files.push(this.view(f, ws))
    return { files, total: total - (items.length - files.length) }
  }

  /** What to send for GET /files/:id: the real path, the byte range and the headers (never the uploaded type). */
  async download(user: UserRecord, id: string, range: string | null, ifRange: string | null) {
    const { file, ws } = await this.readable(user, id)
    return downloadOf(file, ws, range, ifRange)
  }

  /** Deletes record and bytes: the uploader, or an owner of the session (or workspace), or an admin. */
  async remove(user: UserRecord, id: string): Promise<void> {
    const { file, role, ws } = await this.readable(user, id)
    if (file.owner_id !== user.id && role !== 'owner')
      throw forbidden('Only the uploader or an owner of the session may delete this file')
    if (ws) await removeStored(file.path, ws.path)
    await this.deps.store.files.delete(file.id)
    await this.deps.log.emit(channelOf(file), 'file_deleted', {
      file_id: file.id,
      name: file.name,
      session_id: file.session_id,
      workspace_id: file.workspace_id,
      by: { id: user.id, username: user.username },
    })
  }

  /**
   * Copies a file the user can read into a session they may write to (re-hashed: the workspace copy may have changed).
   */
  async share(user: UserRecord, id: string, sessionId: string): Promise<FileView> {
    const { file, ws } = await this.readable(user, id)
    const target = await this.target(user, { session_id: sessionId })
    const stored = ws ? storedFile(file.path, ws.path) : null
    if (!stored) throw notFound('File content')
    const writer = new HashingWriter(join(this.tmpDir, `${crypto.randomUUID()}.part`), this.maxBytes)
    try {
      const reader = Bun.file(stored.real).stream().getReader()
      for (let r = await reader.read(); !r.done; r = await reader.read()) await writer.write(r.value)
      const content = await writer.finish()
      return await this.register(user, target, writer.path, file.name, content, {
        move: true,
        event: 'file_shared',
        extra: { shared_from: { file_id: file.id, session_id: file.session_id } },
      })
    } finally {
      await writer.abort()
    }
  }

  /** The lines put before a prompt that names `fileIds`: each must be readable and in workspace `workspaceId`. */
  async preamble(user: UserRecord, workspaceId: string, fileIds: string[]): Promise<string> {
    const lines: string[] = []
    for (const id of new Set(fileIds)) {
      const { file, ws } = await this.readable(user, id).catch(() => Promise.reject(notFound(`File ${id}`)))
      if (file.workspace_id !== workspaceId || !ws) throw invalid(`File ${id} belongs to another workspace`)
      lines.push(`- ${this.view(file, ws).path} (${file.content_type.split(';')[0]}, ${file.size} bytes)`)
    }
    return lines.length ? `Attached files (relative to the working directory):\n${lines.join('\n')}\n\n` : ''
  }

  readable(user: UserRecord, id: string) {
    return this.access.readable(user, id)
  }

  view(f: FileRecord, ws: WorkspaceRecord | null): FileView {
    return toPublicFile(f, ws?.path ?? null)
  }
}
