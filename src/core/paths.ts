// Path confinement: resolve real paths (symlinks included) and refuse anything outside an allowed root.
import { realpathSync, statSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { AppError } from './errors.ts'

/** True when `child` is `parent` or lies below it; both must already be resolved real paths. */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child)
  // only a leading `..` segment climbs out; a name like `..cache` is an ordinary child
  return rel === '' || (!isAbsolute(rel) && rel.split(sep)[0] !== '..')
}

export function realDir(path: string): string {
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    throw new AppError('INVALID_PATH', 422, `Directory ${path} does not exist`)
  }
  if (!statSync(real).isDirectory()) throw new AppError('INVALID_PATH', 422, `${path} is not a directory`)
  return real
}

/**
 * The real path of `path`, or `path` itself when it no longer exists (a stored workspace whose directory went away).
 */
export function realOrSelf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

/** Resolves `target` (relative names are refused) and proves it lies inside one of `roots`. */
export function confineToRoots(target: string, roots: string[]): string {
  if (!isAbsolute(target)) throw new AppError('INVALID_PATH', 422, 'path must be absolute')
  if (target.split(/[\\/]/).includes('..')) throw new AppError('INVALID_PATH', 422, 'path must not contain ".."')
  const real = realDir(resolve(target))
  for (const root of roots) {
    let realRoot: string
    try {
      realRoot = realpathSync(root)
    } catch {
      continue
    }
    if (isInside(realRoot, real)) return real
  }
  // where a symlink leads is the server's business: name only what the client sent
  throw new AppError('INVALID_PATH', 422, `${target} resolves to a place outside the configured workspace roots`)
}

/** Joins a user-supplied relative name under `base` and refuses anything that would land outside it. */
export function safeJoin(base: string, name: string): string {
  const full = resolve(base, name)
  if (!isInside(resolve(base), full)) throw new AppError('INVALID_PATH', 422, 'path escapes its directory')
  return full
}
