// The session's side panel as tabs (people and share links, files, the shared document), so each gets the whole column.
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { me } from '../lib/auth.ts'
import type { SessionController } from './controller.ts'
import { DocumentPanel } from './document-panel.tsx'
import { Files } from './files-panel.tsx'
import { SheetClose } from './phone-sheets.tsx'
import { ShareLinks } from './sharing.tsx'
import { Participants } from './side-panel.tsx'

interface Tab {
  name: string
  label: string
  count?: number
  body: () => ComponentChildren
}

interface Props {
  c: SessionController
  role: string
  canPrompt: boolean
  /** Whether it is open as a sheet (phones); wide screens always show it as a column. */
  sheet: boolean
  close: () => void
}

export function SessionDetails({ c, role, canPrompt, sheet, close }: Props) {
  const owner = role === 'owner'
  const mine = me.value
  const tabs: Tab[] = [
    {
      name: 'people',
      label: 'People',
      count: c.participants.value.length,
      body: () => (
        <>
          <Participants
            list={c.participants.value}
            sessionId={c.id}
            error={c.peopleError.value}
            manage={
              owner
                ? {
                    setRole: (uid, r) => void c.manage(uid, r),
                    remove: (uid) => void c.manage(uid, null),
                    handOver: (uid) => void c.manage(uid, 'owner'),
                  }
                : null
            }
          />
          {owner && <ShareLinks sessionId={c.id} />}
        </>
      ),
    },
    {
      name: 'files',
      label: 'Files',
      count: c.files.value.length,
      body: () => (
        <Files
          sessionId={c.id}
          files={c.files.value}
          canUpload={canPrompt}
          added={(f) => c.fileAdded(f)}
          attach={canPrompt ? (f) => c.attach(f) : null}
          names={new Map(c.participants.value.map((p) => [p.user_id, p.username]))}
          canDelete={(f) => owner || mine?.role === 'admin' || f.owner_id === mine?.id}
        />
      ),
    },
    {
      name: 'document',
      label: 'Document',
      body: () =>
        mine && (
          <DocumentPanel sessionId={c.id} myId={mine.id} canEdit={canPrompt} listen={(fn) => (c.docListener = fn)} />
        ),
    },
  ]
  return (
    <aside class="side" aria-label="Session details" data-sheet={sheet}>
      <SheetClose label="details" close={close} />
      <Tabs tabs={tabs} />
    </aside>
  )
}

/**
 * A tab's content is rendered the first time it is chosen and then kept (hidden), so an upload in progress or the
 * document's live sync survive a look at another tab, and the editor's code loads only when someone opens it.
 */
function Tabs({ tabs }: { tabs: Tab[] }) {
  const [current, setCurrent] = useState(tabs[0]!.name)
  const [opened, setOpened] = useState(() => new Set([current]))
  const choose = (name: string) => {
    setCurrent(name)
    if (!opened.has(name)) setOpened(new Set(opened).add(name))
  }
  // arrow keys move between tabs (the ARIA tabs pattern): one Tab stop for the whole list
  const step = (e: KeyboardEvent, i: number) => {
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0
    if (!d) return
    const next = tabs[(i + d + tabs.length) % tabs.length]!.name
    choose(next)
    document.getElementById(`tab-${next}`)?.focus()
  }
  return (
    <>
      <div role="tablist" aria-label="Session details" class="tabs">
        {tabs.map((t, i) => (
          <button
            type="button"
            role="tab"
            key={t.name}
            id={`tab-${t.name}`}
            aria-selected={t.name === current}
            aria-controls={`panel-${t.name}`}
            tabIndex={t.name === current ? 0 : -1}
            onClick={() => choose(t.name)}
            onKeyDown={(e) => step(e, i)}
          >
            {t.label}
            {t.count !== undefined && <span class="count"> {t.count}</span>}
          </button>
        ))}
      </div>
      {tabs.map((t) => (
        <div
          role="tabpanel"
          key={t.name}
          id={`panel-${t.name}`}
          aria-labelledby={`tab-${t.name}`}
          hidden={t.name !== current}
          class="tabpanel"
        >
          {opened.has(t.name) && t.body()}
        </div>
      ))}
    </>
  )
}
