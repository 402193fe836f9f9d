// WebSocket chunked uploads: chunks on disk in the (shared) data dir, surviving dropped sockets, restarts, other nodes.
import { AppError, invalid, notFound } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import { ChunkDir, copyChunks, type Meta, type Pending } from './chunk-dir.ts'
import type { FileView, UploadChunkData, UploadStartData } from './model.ts'
import type { FileService } from './service.ts'
import { HashingWriter, tooLarge } from './storage.ts'
import { join } from 'node:path'

const MAX_PENDING_PER_USER = 20
const MAX_CHUNKS = 100_000
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/

export interface ChunkedOptions {
  dataDir: string
  maxUploadBytes: number
  expirySeconds: number
  wsMaxMessageBytes: number
}

export class ChunkedUploads {
  private readonly pending = new Map<string, Pending>()
  private readonly disk: ChunkDir
  private readonly timer: ReturnType<typeof setInterval>
  /** Suggested chunk size: a base64 chunk plus its envelope fits in one WebSocket frame. */
  readonly chunkSize: number

  constructor(
    private readonly files: FileService,
    private readonly store: Store,
    private readonly o: ChunkedOptions,
    logger: Logger,
  ) {
    this.disk = new ChunkDir(o.dataDir, o.expirySeconds * 1000, logger)
    this.chunkSize = Math.max(
      1024,
      Math.min(512 * 1024, Math.floor(((o.wsMaxMessageBytes - 1024) * 3) / 4 / 1024) * 1024),
    )
    this.restore()
    this.timer = setInterval(() => this.sweep(), Math.min(60_000, Math.max(50, (o.expirySeconds * 1000) / 4)))
    this.timer.unref?.()
  }

  private get expiryMs() {
    return this.o.expirySeconds * 1000
  }

  async start(user: UserRecord, d: UploadStartData) {
    if (d.size > this.o.maxUploadBytes) throw tooLarge(this.o.maxUploadBytes)
    if (d.total_chunks > Math.min(MAX_CHUNKS, Math.max(1, d.size)))
      throw invalid(
        `total_chunks must be between 1 and ${Math.min(MAX_CHUNKS, Math.max(1, d.size))} for ${d.size} bytes`,
      )
    if ([...this.pending.values()].filter((p) => p.userId === user.id).length >= MAX_PENDING_PER_USER) {
      throw new AppError(
        'RATE_LIMITED',
        429,
        `At most ${MAX_PENDING_PER_USER} unfinished uploads per user; finish or cancel one`,
      )
    }
    if (d.file_id && this.find(user, d.file_id))
      throw new AppError('CONFLICT', 409, `An unfinished upload already uses file_id ${d.file_id}`)
    const ref = { session_id: d.session_id || undefined, workspace_id: d.workspace_id || undefined }
    await this.files.target(user, ref)
    const meta: Meta = {
      id: Bun.randomUUIDv7(),
      userId: user.id,
      ref,
      filename: d.filename,
      size: d.size,
      totalChunks: d.total_chunks,
      ...(d.file_id ? { clientId: d.file_id } : {}),
    }
    const p = this.disk.create(meta)
    this.pending.set(p.id, p)
    return {
      file_id: p.id,
      ...(p.clientId ? { client_file_id: p.clientId } : {}),
      chunk_size: this.chunkSize,
      total_chunks: p.totalChunks,
      size: p.size,
      expires_at: new Date(p.expiresAt).toISOString(),
    }
  }

  /** Stores one chunk; when every chunk is there, assembles and registers the file (`file` in the result). */
  async chunk(
    user: UserRecord,
    d: UploadChunkData,
  ): Promise<{ progress?: ReturnType<ChunkedUploads['progress']>; file?: FileView }> {
    const p = this.find(user, d.file_id)
    if (!p) return { file: await this.finished(user, d.file_id) }
    if (p.assembling) throw new AppError('CONFLICT', 409, 'All chunks are in; the file is being assembled')
    if (d.chunk_index >= p.totalChunks) throw invalid(`chunk_index must be below total_chunks (${p.totalChunks})`)
    if (!BASE64.test(d.data)) throw invalid('data must be base64')
    const bytes = Buffer.from(d.data, 'base64')
    if (bytes.length === 0 && p.size > 0) throw invalid('Empty chunk')
    const before = p.received.get(d.chunk_index) ?? 0
    if (p.bytes - before + bytes.length > p.size)
      throw new AppError('PAYLOAD_TOO_LARGE', 413, `The chunks add up to more than the declared size (${p.size} bytes)`)
    await this.disk.write(p, d.chunk_index, bytes)
    if (!this.pending.has(p.id)) throw notFound('Upload')
    p.bytes += bytes.length - (p.received.get(d.chunk_index) ?? 0)
    p.received.set(d.chunk_index, bytes.length)
    p.expiresAt = Date.now() + this.expiryMs
    // the client thinks it is done: chunks it sent to another node count too
    if (d.is_last === true && p.received.size < p.totalChunks) this.disk.reread(p)
    const progress = this.progress(p, d.chunk_index, d.is_last === true)
    if (p.received.size < p.totalChunks || p.assembling) return { progress }
    return { progress, file: await this.assemble(user, p) }
  }

  async status(user: UserRecord, fileId: string) {
    const p = this.find(user, fileId)
    if (!p) return { file_id: fileId, complete: true, missing: [], file: await this.finished(user, fileId) }
    if (!p.assembling) this.disk.reread(p)
    return {
      ...this.progress(p, null, true),
      complete: false,
      assembling: p.assembling,
      chunk_size: this.chunkSize,
      expires_at: new Date(p.expiresAt).toISOString(),
    }
  }

  async cancel(user: UserRecord, fileId: string) {
    const p = this.find(user, fileId)
    if (!p) throw notFound('Upload')
    if (p.assembling) throw new AppError('CONFLICT', 409, 'The file is being assembled')
    this.discard(p)
    return { file_id: fileId, cancelled: true }
  }

  /** Drops uploads idle past the expiry, with their chunks. */
  sweep(now = Date.now()): number {
    let n = 0
    for (const p of this.pending.values()) {
      if (p.assembling || p.expiresAt > now) continue
      // another node sharing the directory may have written a chunk since (it touches the directory)
      const until = this.disk.expiryFromChange(p.dir, now)
      if (until !== null) p.expiresAt = until
      else this.discard(p), n++
    }
    return n
  }

  stop(): void {
    clearInterval(this.timer)
  }

  /**
   * The user's unfinished upload by the server's id or by the client's own (`file_id` of its upload_start). One this
   * node does not know may have been started on another node (the chunk directory is shared): it is picked up here.
   */
  private find(user: UserRecord, fileId: string): Pending | undefined {
    const mine = (q: Pending | undefined) => (q?.userId === user.id ? q : undefined)
    const p = this.pending.get(fileId) ?? [...this.pending.values()].find((q) => q.clientId === fileId)
    // finished or dropped by another node since: its directory is gone
    if (p && !this.disk.exists(p)) this.pending.delete(p.id)
    else if (p) return mine(p)
    for (const name of this.disk.names()) {
      if (this.pending.has(name)) continue
      const q = this.load(name)
      if (q && (q.id === fileId || q.clientId === fileId)) return mine(q)
    }
    return undefined
  }

  private progress(p: Pending, chunkIndex: number | null, withMissing: boolean) {
    const missing: number[] = []
    if (withMissing) for (let i = 0; i < p.totalChunks; i++) if (!p.received.has(i)) missing.push(i)
    return {
      file_id: p.id,
      ...(p.clientId ? { client_file_id: p.clientId } : {}),
      ...(chunkIndex === null ? {} : { chunk_index: chunkIndex }),
      received_chunks: p.received.size,
      total_chunks: p.totalChunks,
      bytes_received: p.bytes,
      size: p.size,
      percent: p.size ? Math.floor((p.bytes / p.size) * 1000) / 10 : 100,
      ...(withMissing ? { missing } : {}),
    }
  }

  /**
   * A file this user finished uploading under `fileId` (a repeated last chunk, or status after a drop), else NOT_FOUND.
   */
  private async finished(user: UserRecord, fileId: string): Promise<FileView> {
    const f = await this.store.files.byId(fileId)
    if (!f || f.owner_id !== user.id) throw notFound('Upload (finished, expired or never started)')
    return this.files.get(user, fileId)
  }

  private async assemble(user: UserRecord, p: Pending): Promise<FileView> {
    p.assembling = true
    const writer = new HashingWriter(join(this.files.tmpDir, `${p.id}.part`), this.o.maxUploadBytes)
    try {
      const target = await this.files.target(user, p.ref)
      await copyChunks(p, writer)
      const content = await writer.finish()
      if (content.size !== p.size)
        throw invalid(`The chunks add up to ${content.size} bytes, not the declared ${p.size}; start again`)
      return await this.files.register(user, target, writer.path, p.filename, content, { move: true, id: p.id })
    } finally {
      await writer.abort()
      this.discard(p)
    }
  }

  private discard(p: Pending): void {
    this.pending.delete(p.id)
    this.disk.remove(p)
  }

  /** Picks up unfinished uploads left by a previous run, or by other nodes (their chunks are on disk). */
  private restore(): void {
    for (const name of this.disk.names()) this.load(name)
  }

  /** An upload from its directory (see ChunkDir.load), known to this node from now on. */
  private load(name: string): Pending | undefined {
    const p = this.disk.load(name)
    if (p) this.pending.set(p.id, p)
    return p
  }
}
