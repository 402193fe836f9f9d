// A file as the API and the wire show it: its path relative to the workspace, times in ISO 8601.
import { relative } from 'node:path'
import { iso } from '../../core/iso.ts'
import type { FileRecord } from '../../store/records.ts'
import type { FileView } from './model.ts'

export const toPublicFile = (f: FileRecord, wsPath: string | null): FileView => ({
  file_id: f.id,
  name: f.name,
  path: wsPath ? relative(wsPath, f.path) : `uploads/${f.name}`,
  size: f.size,
  content_type: f.content_type,
  sha256: f.sha256,
  session_id: f.session_id,
  workspace_id: f.workspace_id,
  owner_id: f.owner_id,
  created_at: iso(f.created_at),
})
