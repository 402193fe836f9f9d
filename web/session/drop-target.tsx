// Dropping a file anywhere on the session page uploads it and attaches it to the next prompt; a target shows meanwhile.
import type { ComponentChildren } from 'preact'
import { useRef, useState } from 'preact/hooks'
import type { FileView } from '../lib/types.ts'
import type { Uploads } from './uploads.ts'

interface Props {
  /** Null for those who may not upload (viewers): the page then ignores drops. */
  uploads: Uploads | null
  attach: (f: FileView) => void
  children: ComponentChildren
}

const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') === true

export function DropTarget({ uploads, attach, children }: Props) {
  const [dragging, setDragging] = useState(false)
  // dragenter/dragleave fire for every child crossed: count them so the target does not flicker
  const depth = useRef(0)
  const leave = () => {
    depth.current = 0
    setDragging(false)
  }
  if (!uploads)
    return (
      <section class="session" aria-label="Session">
        {children}
      </section>
    )
  const progress = uploads.progress.value
  return (
    <section
      class="session"
      aria-label="Session"
      onDragEnter={(e) => {
        if (!carriesFiles(e)) return
        depth.current++
        setDragging(true)
      }}
      onDragOver={(e) => carriesFiles(e) && e.preventDefault()}
      onDragLeave={() => --depth.current <= 0 && leave()}
      onDrop={(e) => {
        e.preventDefault()
        leave()
        const f = e.dataTransfer?.files[0]
        if (f) void uploads.start(f).then((done) => done && attach(done))
      }}
    >
      {children}
      {dragging && (
        <div class="drop-target" role="status">
          Drop to upload into this session and attach to your next prompt
        </div>
      )}
      {progress && (
        <p class="drop-progress" role="status">
          Uploading {progress.name}… {Math.round(progress.fraction * 100)}%
        </p>
      )}
      {uploads.error.value && (
        <p class="form-error drop-progress" role="alert">
          {uploads.error.value}
        </p>
      )}
    </section>
  )
}
