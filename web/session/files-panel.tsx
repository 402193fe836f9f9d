// The session's files: upload (drop or pick) with progress, the list (size, who, when), download, attach, delete, share.
import { useMemo, useRef, useState } from 'preact/hooks'
import { ago, bytes } from '../lib/format.ts'
import type { FileView, Session } from '../lib/types.ts'
import { deleteFile, downloadFile, shareFile, shareTargets } from './files.ts'
import { Uploads } from './uploads.ts'

interface FilesProps {
  sessionId: string
  files: FileView[]
  canUpload: boolean
  added: (f: FileView) => void
  attach: ((f: FileView) => void) | null
  /** Usernames by user id (the session's people), to say who uploaded a file. */
  names: Map<string, string>
  /** Whether this user may delete the file: the uploader, the session's owner or an admin (the server decides again). */
  canDelete: (f: FileView) => boolean
}

export function Files({ sessionId, files, canUpload, added, attach, names, canDelete }: FilesProps) {
  // `added` is a new function every render: the upload in flight keeps its state and calls the latest one
  const onAdded = useRef(added)
  onAdded.current = added
  const uploads = useMemo(() => new Uploads(sessionId, (f) => onAdded.current(f)), [sessionId])
  const progress = uploads.progress.value
  const [error, setError] = useState<string | null>(null)
  const [note, setNote] = useState<string | null>(null)
  const act = (p: Promise<unknown>) => {
    setError(null)
    setNote(null)
    void p.catch((e) => setError(e.message))
  }
  const upload = (file: File) => {
    setError(null)
    setNote(null)
    void uploads.start(file)
  }
  // a drop here goes into the list only; the page's drop target (which also attaches) stays out of it
  const own = (e: DragEvent) => e.stopPropagation()
  return (
    <section
      aria-labelledby="files-h"
      onDragEnter={own}
      onDragLeave={own}
      onDragOver={(e) => {
        own(e)
        e.preventDefault()
      }}
      onDrop={(e) => {
        own(e)
        e.preventDefault()
        const f = e.dataTransfer?.files[0]
        if (f && canUpload) upload(f)
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
              if (f) upload(f)
            }}
          />
        </label>
      )}
      {progress && <progress max={1} value={progress.fraction} aria-label={`Uploading ${progress.name}`} />}
      {(error ?? uploads.error.value) && (
        <p class="form-error" role="alert">
          {error ?? uploads.error.value}
        </p>
      )}
      {note && (
        <p class="muted" role="status">
          {note}
        </p>
      )}
      <ul class="files">
        {files.map((f) => (
          <li key={f.file_id}>
            <button type="button" class="link" onClick={() => act(downloadFile(f))} aria-label={`Download ${f.name}`}>
              {f.name}
            </button>
            <span class="muted file-meta">
              {bytes(f.size)} · {names.get(f.owner_id) ?? 'someone'} · {ago(f.created_at)}
            </span>
            <span class="file-actions">
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
              {canUpload && <ShareFile file={f} sessionId={sessionId} act={act} done={setNote} />}
              {canDelete(f) && (
                <button type="button" class="small" onClick={() => act(deleteFile(f))} aria-label={`Delete ${f.name}`}>
                  Delete
                </button>
              )}
            </span>
          </li>
        ))}
        {files.length === 0 && <li class="muted">No files yet</li>}
      </ul>
    </section>
  )
}

interface ShareProps {
  file: FileView
  sessionId: string
  act: (p: Promise<unknown>) => void
  done: (note: string) => void
}

/** "Share": loads the sessions this user can write to on demand, then copies the file into the chosen one. */
function ShareFile({ file, sessionId, act, done }: ShareProps) {
  const [targets, setTargets] = useState<Session[] | null>(null)
  const [target, setTarget] = useState('')
  if (!targets)
    return (
      <button
        type="button"
        class="small"
        aria-label={`Share ${file.name} into another session`}
        onClick={() =>
          act(
            shareTargets(sessionId).then((list) => {
              setTargets(list)
              setTarget(list[0]?.id ?? '')
            }),
          )
        }
      >
        Share
      </button>
    )
  const share = async () => {
    const into = targets.find((s) => s.id === target)
    if (!into) return
    await shareFile(file, into.id)
    setTargets(null)
    done(`${file.name} shared into ${into.title ?? 'the session'}`)
  }
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault()
        act(share())
      }}
    >
      {targets.length === 0 ? (
        <span class="muted">No other session you can write to</span>
      ) : (
        <label>
          Share {file.name} into
          <select value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
            {targets.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title ?? s.id}
              </option>
            ))}
          </select>
        </label>
      )}
      {targets.length > 0 && <button type="submit">Share</button>}
      <button type="button" class="small" onClick={() => setTargets(null)}>
        Cancel
      </button>
    </form>
  )
}
