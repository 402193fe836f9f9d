// The session's side panel: who is here (presence, roles) and its files (upload with progress, download, attach).
import { useState } from 'preact/hooks'
import { bytes } from '../lib/format.ts'
import type { FileView } from '../lib/types.ts'
import { downloadFile, uploadFile } from './files.ts'
import { HandOver, InviteForm, RoleSelect } from './sharing.tsx'

export interface Participant {
  user_id: string
  username: string
  role: string
  /** Only roles from `participant` are the session owner's to change; owner and workspace roles are not. */
  source?: string
  connections: number
}

interface PeopleProps {
  list: Participant[]
  /** The owner's actions (null for everyone else): change a participant's role, remove them. */
  manage: {
    setRole: (userId: string, role: string) => void
    remove: (userId: string) => void
    /** Makes them the owner; this user becomes a collaborator (unless the workspace makes them more). */
    handOver: (userId: string) => void
  } | null
  sessionId: string
  error: string | null
}

export function Participants({ list, manage, sessionId, error }: PeopleProps) {
  return (
    <section aria-labelledby="people-h">
      <h2 id="people-h">People</h2>
      <ul class="people">
        {list.map((p) => (
          <li key={p.user_id} data-online={p.connections > 0}>
            <span class={`presence ${p.connections > 0 ? 'on' : 'off'}`} aria-hidden="true" />
            <span class="name">{p.username}</span>{' '}
            {manage && p.source === 'participant' ? (
              <>
                <RoleSelect
                  label={`Role of ${p.username}`}
                  value={p.role}
                  onChange={(r) => manage.setRole(p.user_id, r)}
                />
                <button
                  type="button"
                  class="small"
                  aria-label={`Remove ${p.username}`}
                  onClick={() => manage.remove(p.user_id)}
                >
                  Remove
                </button>
              </>
            ) : (
              <span class="role">{p.role}</span>
            )}
            {manage && p.role !== 'owner' && <HandOver name={p.username} confirm={() => manage.handOver(p.user_id)} />}
            <span class="sr">{p.connections > 0 ? `online in ${p.connections} tab(s)` : 'offline'}</span>
          </li>
        ))}
      </ul>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {manage && <InviteForm sessionId={sessionId} />}
    </section>
  )
}

interface FilesProps {
  sessionId: string
  files: FileView[]
  canUpload: boolean
  added: (f: FileView) => void
  attach: ((f: FileView) => void) | null
}

export function Files({ sessionId, files, canUpload, added, attach }: FilesProps) {
  const [progress, setProgress] = useState<{ name: string; fraction: number } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const upload = async (file: File) => {
    setError(null)
    setProgress({ name: file.name, fraction: 0 })
    try {
      const f = await uploadFile(sessionId, file, (fraction) => setProgress({ name: file.name, fraction }))
      added(f)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setProgress(null)
    }
  }
  return (
    <section
      aria-labelledby="files-h"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault()
        const f = e.dataTransfer?.files[0]
        if (f && canUpload) void upload(f)
      }}
    >
      <h2 id="files-h">Files</h2>
      {canUpload && (
        <label class="upload">
          Upload a file (or drop it here)
          <input
            type="file"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0]
              e.currentTarget.value = ''
              if (f) void upload(f)
            }}
          />
        </label>
      )}
      {progress && <progress max={1} value={progress.fraction} aria-label={`Uploading ${progress.name}`} />}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <ul class="files">
        {files.map((f) => (
          <li key={f.file_id}>
            <button
              type="button"
              class="link"
              onClick={() => void downloadFile(f).catch((e) => setError(e.message))}
              aria-label={`Download ${f.name}`}
            >
              {f.name}
            </button>
            <span class="muted"> {bytes(f.size)}</span>
            {attach && (
              <button
                type="button"
                class="small"
                onClick={() => attach(f)}
                aria-label={`Attach ${f.name} to the next prompt`}
              >
                Attach
              </button>
            )}
          </li>
        ))}
        {files.length === 0 && <li class="muted">No files yet</li>}
      </ul>
    </section>
  )
}
