// The on-disk side of chunked uploads: one directory per upload (meta + chunk files) in the data dir other nodes share.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { notFound } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { HashingWriter } from './storage.ts'
import type { TargetRef } from './service.ts'

export interface Pending {
  id: string
  userId: string
  ref: TargetRef
  filename: string
  size: number
  totalChunks: number
  /** The client's own id for the upload (upload_start `file_id`): its chunks may name the upload by it. */
  clientId?: string
  /** chunk index → bytes stored for it */
  received: Map<number, number>
  bytes: number
  dir: string
  expiresAt: number
  assembling: boolean
}
export type Meta = Pick<Pending, 'id' | 'userId' | 'ref' | 'filename' | 'size' | 'totalChunks' | 'clientId'>

export class ChunkDir {
  private readonly root: string

  constructor(
    dataDir: string,
    private readonly expiryMs: number,
    private readonly logger: Logger,
  ) {
    this.root = join(dataDir, 'tmp', 'chunks')
    mkdirSync(this.root, { recursive: true, mode: 0o700 })
  }

  /** The upload directories there are, this node's and the other nodes'. */
  names(): string[] {
    return readdirSync(this.root)
  }

  /** A new upload's directory with its meta; the upload expires after the expiry unless chunks come. */
  create(meta: Meta): Pending {
    const dir = join(this.root, meta.id)
    mkdirSync(dir, { mode: 0o700 })
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta))
    return { ...meta, received: new Map(), bytes: 0, dir, expiresAt: Date.now() + this.expiryMs, assembling: false }
  }

  /** Stores one chunk whole or not at all (renamed into place); NOT_FOUND when the upload went meanwhile. */
  async write(p: Pending, index: number, bytes: Buffer): Promise<void> {
    const tmp = join(p.dir, `${index}.${crypto.randomUUID()}.tmp`)
    try {
      await Bun.write(tmp, bytes)
      await rename(tmp, join(p.dir, String(index)))
    } catch {
      await rm(tmp, { force: true })
      throw notFound('Upload')
    }
  }

  /**
   * Reads an upload from its directory. Unreadable, it is removed once it is older than the expiry: until then it
   * may be one that another node is creating right now.
   */
  load(name: string): Pending | undefined {
    const dir = join(this.root, name)
    try {
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta
      if (meta.id !== name || typeof meta.size !== 'number' || typeof meta.totalChunks !== 'number')
        throw new Error('bad meta')
      const expiresAt = Date.now() + this.expiryMs
      const p: Pending = { ...meta, received: new Map(), bytes: 0, dir, expiresAt, assembling: false }
      this.reread(p)
      return p
    } catch {
      if (this.expiryFromChange(dir, Date.now()) !== null) return undefined
      this.logger.warn('removing unreadable chunked upload', { dir })
      rmSync(dir, { recursive: true, force: true })
      return undefined
    }
  }

  /** The chunks as the shared directory has them (another node may have stored some). */
  reread(p: Pending): void {
    p.received.clear()
    for (const f of readdirSync(p.dir))
      if (/^\d+$/.test(f) && Number(f) < p.totalChunks) p.received.set(Number(f), statSync(join(p.dir, f)).size)
    p.bytes = [...p.received.values()].reduce((a, b) => a + b, 0)
  }

  /** False once another node finished or dropped the upload (its directory is gone). */
  exists(p: Pending): boolean {
    return existsSync(p.dir)
  }

  /**
   * When an upload idle since its directory last changed expires (another node sharing the directory that wrote a
   * chunk touched it), or null when that time has passed before `now` or the directory is gone.
   */
  expiryFromChange(dir: string, now: number): number | null {
    const touched = changedAt(dir)
    return touched !== null && touched + this.expiryMs > now ? touched + this.expiryMs : null
  }

  remove(p: Pending): void {
    rmSync(p.dir, { recursive: true, force: true })
  }
}

/** When the directory last changed (a chunk renamed into it), or null when it is gone. */
function changedAt(dir: string): number | null {
  try {
    return statSync(dir).mtimeMs
  } catch {
    return null
  }
}

/**
 * Appends the chunk files in order through one reused buffer (fresh buffers would allocate the whole file again as
 * garbage).
 */
export async function copyChunks(p: Pending, writer: HashingWriter): Promise<void> {
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
