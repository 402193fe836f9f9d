// The shared document editor (loaded on demand): a textarea, with a mirror layer on top that draws the others' cursors.
import { useEffect, useLayoutEffect, useMemo, useRef } from 'preact/hooks'
import type { ChannelMessage } from '../../src/client/index.ts'
import { type RemoteCursor, SharedDoc } from './shared-doc.ts'

interface Props {
  sessionId: string
  myId: string
  canEdit: boolean
  /** Hands the document the session's live messages (code_change, cursor_update, participant_left). */
  listen: (fn: ((m: ChannelMessage<any>) => void) | null) => void
}

export function DocEditor({ sessionId, myId, canEdit, listen }: Props) {
  const doc = useMemo(() => new SharedDoc(sessionId, myId), [sessionId, myId])
  const ta = useRef<HTMLTextAreaElement>(null)
  const mirror = useRef<HTMLDivElement>(null)
  useEffect(() => {
    listen((m) => doc.receive(m))
    doc.load().catch((e) => (doc.error.value = e.message))
    return () => {
      listen(null)
      doc.close()
    }
  }, [doc])
  const text = doc.text.value
  const sel = doc.selection.value
  // a remote edit replaced the value: put this caret back where the model moved it
  useLayoutEffect(() => {
    const el = ta.current
    if (el && document.activeElement === el && (el.selectionStart !== sel.start || el.selectionEnd !== sel.end))
      el.setSelectionRange(sel.start, sel.end)
  }, [text, sel])
  const caret = () => {
    const el = ta.current
    if (!el) return
    doc.selection.value = { start: el.selectionStart, end: el.selectionEnd }
    doc.moved(el.selectionEnd)
  }
  return (
    <div class="doc-editor">
      {!doc.ready.value && <p class="muted">Loading the document…</p>}
      <textarea
        ref={ta}
        aria-label="Shared document"
        spellcheck={false}
        value={text}
        readOnly={!canEdit || !doc.ready.value}
        onInput={(e) => {
          const el = e.currentTarget
          doc.edited(el.value, el.selectionStart, el.selectionEnd)
        }}
        onSelect={caret}
        onClick={caret}
        onKeyUp={caret}
        onScroll={(e) => {
          if (mirror.current) mirror.current.scrollTop = e.currentTarget.scrollTop
        }}
      />
      <div class="doc-mirror" ref={mirror} aria-hidden="true">
        {segments(text, doc.cursors.value)}
      </div>
      <ul class="sr" aria-label="Others' cursors">
        {doc.cursors.value.map((c) => (
          <li key={c.user_id}>
            {c.username} at {c.offset}
          </li>
        ))}
      </ul>
      {doc.error.value && (
        <p class="form-error" role="alert">
          {doc.error.value}
        </p>
      )}
    </div>
  )
}

/** The text cut at each cursor, with a zero-width marker carrying the name label there. */
function segments(text: string, cursors: RemoteCursor[]) {
  const sorted = [...cursors].sort((a, b) => a.offset - b.offset)
  const out = []
  let at = 0
  for (const c of sorted) {
    out.push(text.slice(at, c.offset))
    out.push(
      <span key={c.user_id} class="remote-cursor" data-user={c.username}>
        <span class="cursor-label">{c.username}</span>
      </span>,
    )
    at = c.offset
  }
  // a trailing newline needs a character after it, or the mirror's last line collapses
  out.push(`${text.slice(at)}\u200b`)
  return out
}
