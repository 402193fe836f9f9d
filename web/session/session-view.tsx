// The session screen: status line on top, the transcript, the prompt box at the bottom, the details (tabs) beside.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { me } from '../lib/auth.ts'
import { Link } from '../lib/router.tsx'
import { viewedWorkspace } from '../views/workspaces.tsx'
import { SessionController } from './controller.ts'
import { SessionDetails } from './details.tsx'
import { PermissionBanner } from './permission-banner.tsx'
import { Backdrop, PhoneBar, SessionsSheet, type SheetName } from './phone-sheets.tsx'
import { PromptBox } from './prompt-box.tsx'
import { DropTarget } from './drop-target.tsx'
import { StatusLine } from './status-line.tsx'
import { Uploads } from './uploads.ts'
import { TranscriptItems } from './virtual-items.tsx'

export function SessionView({ id }: { id: string }) {
  const c = useMemo(() => new SessionController(id), [id])
  const dropped = useMemo(() => new Uploads(id, (f) => c.fileAdded(f)), [c, id])
  useEffect(() => {
    void c.open()
    return () => c.close()
  }, [c])
  const list = useRef<HTMLDivElement>(null)
  const [sheet, setSheet] = useState<SheetName>(null)
  const items = c.transcript.items.value
  useEffect(() => {
    const el = list.current
    // follow the stream only when the reader is already at the bottom
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 200) el.scrollTop = el.scrollHeight
  })
  const s = c.session.value
  useEffect(() => {
    viewedWorkspace.value = s?.workspace_id ?? null
    return () => (viewedWorkspace.value = null)
  }, [s?.workspace_id])
  if (c.removed.value) return <Removed />
  const role = s?.role ?? 'viewer'
  const canPrompt = role !== 'viewer' && s?.status !== 'closed'
  const status = c.transcript.status.value
  const mine = status?.execution_id !== undefined && (role === 'owner' || me.value?.role === 'admin' || canPrompt)
  return (
    <DropTarget uploads={canPrompt ? dropped : null} attach={(f) => c.attach(f)}>
      <div class="session-main">
        <header class="session-head">
          <h1>{s?.title ?? 'Session'}</h1>
          {s && (
            <Link href={`/w/${s.workspace_id}`} class="muted">
              Back to sessions
            </Link>
          )}
          <StatusLine status={status} canStop={mine} onStop={() => void c.stop()} />
          <PhoneBar open={setSheet} people={c.participants.value.length} />
        </header>
        {c.error.value && (
          <p class="form-error" role="alert">
            {c.error.value}
          </p>
        )}
        <div class="transcript" ref={list} aria-label="Conversation" role="log">
          <TranscriptItems items={items} scroller={list} />
          {items.length === 0 && <p class="muted">Nothing here yet.</p>}
        </div>
        <PermissionBanner
          pending={c.transcript.requests.pending.value}
          role={role}
          answer={(rid, body) => c.answer(rid, body)}
          error={c.answerError.value}
        />
        <TypingLine names={c.typing.value} />
        {canPrompt ? (
          <PromptBox
            send={(p, o) => c.send(p, o)}
            attached={c.attached.value}
            detach={(fid) => c.detach(fid)}
            typing={(state) => c.signalTyping(state)}
          />
        ) : (
          <p class="viewer-note">You are a viewer here: you see everything live but cannot prompt.</p>
        )}
      </div>
      <SessionDetails
        c={c}
        role={role}
        canPrompt={canPrompt}
        sheet={sheet === 'details'}
        close={() => setSheet(null)}
      />
      {sheet === 'sessions' && s && <SessionsSheet workspaceId={s.workspace_id} close={() => setSheet(null)} />}
      {sheet && <Backdrop close={() => setSheet(null)} />}
    </DropTarget>
  )
}

function TypingLine({ names }: { names: string[] }) {
  if (!names.length) return <p class="typing" aria-live="polite" />
  const who = names.length === 1 ? `${names[0]} is` : `${names.join(', ')} are`
  return (
    <p class="typing" aria-live="polite">
      {who} typing…
    </p>
  )
}

/** Shown instead of the session once the server revoked this user's access to it. */
function Removed() {
  return (
    <section class="page" aria-labelledby="removed-h">
      <h1 id="removed-h">You no longer have access to this session</h1>
      <p role="alert">
        The owner removed you, or your access to its workspace ended. Nothing more from it reaches this page; ask the
        owner to invite you again if you still need it.
      </p>
      <p>
        <Link href="/">Back to your workspaces</Link>
      </p>
    </section>
  )
}
