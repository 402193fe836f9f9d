// Files on disk: the workspace uploads/ directory, hashed size-limited writes, exclusive placement, confinement checks.
import { constants, lstatSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, type Stats } from 'node:fs'
import { copyFile, link, open, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { AppError } from '../../core/errors.ts'
import { isInside, realDir } from '../../core/paths.ts'
import { nameCandidates } from './names.ts'

export const HEAD_BYTES = 4096

export const tooLarge = (max: number) =>
  new AppError(
    'PAYLOAD_TOO_LARGE',
    413,
    `The file is larger than the upload limit of ${max} bytes (CCHUB_MAX_UPLOAD_BYTES)`,
  )

/**
 * Creates (if needed) and returns the real path of `<workspace>/uploads`, refusing one that resolves outside the
 * workspace.
 */
export function uploadsDir(workspacePath: string): string {
  const ws = realDir(workspacePath)
  const dir = join(ws, 'uploads')
  try {
    lstatSync(dir)
  } catch {
    mkdirSync(dir, { mode: 0o750 })
  }
  let real: string
  try {
    real = realpathSync(dir)
  } catch {
    real = ''
  }
  if (!real || real === ws || !isInside(ws, real) || !statSync(real).isDirectory()) {
    throw new AppError('INVALID_PATH', 422, "The workspace's uploads/ is not a directory inside the workspace")
  }
  return real
}

/** A stored file's real path and stats if it is still a regular file inside its workspace's uploads/, else null. */
export function storedFile(path: string, workspacePath: string): { real: string; stat: Stats } | null {
  try {
    const real = realpathSync(path)
    const uploads = realpathSync(join(realpathSync(workspacePath), 'uploads'))
    const stat = statSync(real)
    return isInside(uploads, real) && real !== uploads && stat.isFile() ? { real, stat } : null
  } catch {
    return null
  }
}

/**
 * Removes a stored file (or whatever replaced it: never what a symlink points to), only if its directory is still
 * uploads/.
 */
export async function removeStored(path: string, workspacePath: string): Promise<void> {
  try {
    const uploads = realpathSync(join(realpathSync(workspacePath), 'uploads'))
    if (realpathSync(dirname(path)) === uploads && isInside(realpathSync(workspacePath), uploads))
      await unlink(join(uploads, basename(path)))
  } catch {
    // already gone, or uploads/ was moved away: nothing of ours to remove
  }
}

/** Empties (or creates) a private temp directory. */
export function freshDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true })
  return dir
}

/**
 * Writes a new file piece by piece, hashing as it goes, refusing more than `max` bytes; keeps the first bytes for type
 * detection.
 */
export class HashingWriter {
  private readonly hash = new Bun.CryptoHasher('sha256')
  private readonly head = new Uint8Array(HEAD_BYTES)
  private fh: FileHandle | null = null
  size = 0

  constructor(
    readonly path: string,
    private readonly max: number,
  ) {}

  async write(piece: Uint8Array): Promise<void> {
    if (this.size + piece.length > this.max) throw tooLarge(this.max)
    this.fh ??= await open(this.path, 'wx', 0o640)
    if (this.size < HEAD_BYTES) this.head.set(piece.subarray(0, HEAD_BYTES - this.size), this.size)
    this.hash.update(piece)
    this.size += piece.length
    let off = 0
    while (off < piece.length) off += (await this.fh.write(piece, off)).bytesWritten
  }

  async finish(): Promise<{ size: number; sha256: string; head: Uint8Array }> {
    this.fh ??= await open(this.path, 'wx', 0o640)
    await this.fh.close()
    this.fh = null
    return {
      size: this.size,
      sha256: this.hash.digest('hex'),
      head: this.head.subarray(0, Math.min(this.size, HEAD_BYTES)),
    }
  }

  /** Closes and removes the partial file; never throws. */
  async abort(): Promise<void> {
    await this.fh?.close().catch(() => {})
    this.fh = null
    await unlink(this.path).catch(() => {})
  }
}

/**
 * Puts `src` into `dir` under `name` or the first free variant of it, never replacing anything (hard link or
 * exclusive copy, so an existing file or symlink of that name is skipped). `move` removes `src` afterwards.
 */
export async function place(src: string, dir: string, name: string, move: boolean): Promise<string> {
  for (const candidate of nameCandidates(name)) {
    const dest = join(dir, candidate)
    if (basename(dest) !== candidate) throw new AppError('INVALID_PATH', 422, 'Bad file name')
    try {
      if (move) {
        try {
          await link(src, dest)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw err
          await copyFile(src, dest, constants.COPYFILE_EXCL) // another file system, or links not allowed
        }
        await unlink(src).catch(() => {})
      } else {
        await copyFile(src, dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE)
      }
      return dest
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  throw new Error('unreachable')
}
