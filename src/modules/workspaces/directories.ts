// Where a workspace's directory is: one cchub creates under the data dir, or an existing one inside a root.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { AppError, conflict } from '../../core/errors.ts'
import { confineToRoots, isInside, realDir, realOrSelf } from '../../core/paths.ts'
import type { WorkspaceRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'

export interface DirectoryOptions {
  dataDir: string
  workspaceRoots: string[]
}

/** The path of a managed directory named `name` (`<data dir>/workspaces/<name>`). */
export function managedPath(dataDir: string, name: string): string {
  return join(realDir(dataDir), 'workspaces', name)
}

export function createManagedDir(dataDir: string, name: string): string {
  const dir = managedPath(dataDir, name)
  mkdirSync(dir, { recursive: true, mode: 0o750 })
  return dir
}

/**
 * The real path of an existing directory to register, checked: inside a root, not a root itself, clear of the data
 * directory and of every other workspace. `canSee` says whether the overlapped workspace may be named to the owner.
 */
export async function checkRegistered(
  store: Store,
  opts: DirectoryOptions,
  path: string,
  canSee: (ws: WorkspaceRecord) => Promise<boolean>,
): Promise<string> {
  if (opts.workspaceRoots.length === 0) {
    throw new AppError(
      'INVALID_PATH',
      422,
      'Registering existing directories is disabled: set CCHUB_WORKSPACE_ROOTS (or --workspace-roots) to allow it',
    )
  }
  const real = confineToRoots(path, opts.workspaceRoots)
  const data = realDir(opts.dataDir)
  if (isInside(real, data) || isInside(data, real)) {
    throw new AppError('INVALID_PATH', 422, "A workspace cannot contain or lie inside the server's data directory")
  }
  if (opts.workspaceRoots.some((root) => realOrSelf(root) === real)) {
    throw new AppError('WORKSPACE_OVERLAP', 409, `${path} is a workspace root itself; register a directory inside it`)
  }
  await refuseOverlap(store, real, canSee)
  return real
}

/** A workspace may not equal, contain or lie inside another one: its owner would reach the other's files. */
async function refuseOverlap(
  store: Store,
  real: string,
  canSee: (ws: WorkspaceRecord) => Promise<boolean>,
): Promise<void> {
  const page = 500
  for (let offset = 0; ; offset += page) {
    const { items } = await store.workspaces.listVisible(null, { limit: page, offset })
    const other = items.find((ws) => isInside(realOrSelf(ws.path), real) || isInside(real, realOrSelf(ws.path)))
    if (other && realOrSelf(other.path) === real) throw conflict(`A workspace is already registered at ${real}`)
    if (other) {
      // name the other workspace only to someone who may see it anyway
      if (!(await canSee(other))) throw new AppError('WORKSPACE_OVERLAP', 409, `${real} overlaps an existing workspace`)
      throw new AppError('WORKSPACE_OVERLAP', 409, `${real} overlaps workspace "${other.name}" at ${other.path}`, {
        details: { workspace_id: other.id, name: other.name, path: other.path },
      })
    }
    if (items.length < page) return
  }
}
