// The chunks of unfinished uploads on disk, a folder each: written atomically, read back in order, found after a restart.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { notFound } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { TargetRef } from './service.ts'
import type { HashingWriter } from './storage.ts'

/** What an upload's meta.json holds: enough to carry on after a restart. */
export interface UploadMeta {
  id: string
  userId: string
  ref: TargetRef
  filename: string
  size: number
  totalChunks: number
  /** The client's own id for the upload (upload_start `file_id`): its chunks may name the upload by it. */
  clientId?: string
}

/** An upload found on disk: its meta and the chunks stored so far (chunk index → bytes). */
export interface StoredUpload extends UploadMeta {
  received: Map<number, number>
  bytes: number
  dir: string
}

export class ChunkDirs {
  constructor(
    private readonly root: string,
    private readonly logger: Logger,
  ) {
    mkdirSync(root, { recursive: true, mode: 0o700 })
  }

  /** Makes the upload's folder with its meta.json; returns the folder. */
  create(meta: UploadMeta): string {
    const dir = join(this.root, meta.id)
    mkdirSync(dir, { mode: 0o700 })
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta))
    return dir
  }

  /** Stores chunk `index` whole or not at all (a resent chunk replaces it); NOT_FOUND when the upload is gone. */
  async write(dir: string, index: number, bytes: Buffer): Promise<void> {
    const tmp = join(dir, `${index}.${crypto.randomUUID()}.tmp`)
    try {
      await Bun.write(tmp, bytes)
      await rename(tmp, join(dir, String(index)))
    } catch {
      await rm(tmp, { force: true })
      throw notFound('Upload')
    }
  }

  remove(dir: string): void {
    rmSync(dir, { recursive: true, force: true })
  }

  /** Unfinished uploads left by a previous run (their chunks are on disk); anything unreadable is removed. */
  restore(): StoredUpload[] {
    const found: StoredUpload[] = []
    for (const name of readdirSync(this.root)) {
      const dir = join(this.root, name)
      try {
        const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as UploadMeta
        if (meta.id !== name || typeof meta.size !== 'number' || typeof meta.totalChunks !== 'number')
          throw new Error('bad meta')
        const received = new Map<number, number>()
        for (const f of readdirSync(dir))
          if (/^\d+$/.test(f) && Number(f) < meta.totalChunks) received.set(Number(f), statSync(join(dir, f)).size)
        const bytes = [...received.values()].reduce((a, b) => a + b, 0)
        found.push({ ...meta, received, bytes, dir })
      } catch {
        this.logger.warn('removing unreadable chunked upload', { dir })
        rmSync(dir, { recursive: true, force: true })
      }
    }
    return found
  }
}

/**
 * Appends the chunk files in order through one reused buffer (fresh buffers would allocate the whole file again as
 * garbage).
 */
export async function copyChunks(p: Pick<StoredUpload, 'dir' | 'totalChunks'>, writer: HashingWriter): Promise<void> {
  let buf = Buffer.allocUnsafe(0)
  for (let i = 0; i < p.totalChunks; i++) {
    const fh = await open(join(p.dir, String(i)), 'r')
    try {
      const { size } = await fh.stat()
      if (size > buf.length) buf = Buffer.allocUnsafe(size)
      let got = 0
      while (got < size) {
        const { bytesRead } = await fh.read(buf, got, size - got, got)
        if (bytesRead === 0) break
        got += bytesRead
      }
      await writer.write(buf.subarray(0, got)) // written before it returns, so the buffer can be refilled
    } finally {
      await fh.close()
    }
  }
}
