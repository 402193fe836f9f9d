// On phones the side panel and the workspace's session list are bottom sheets, opened from a bar under the title.
import type { ComponentChildren } from 'preact'
import { SessionList } from '../views/sessions.tsx'

export type SheetName = 'sessions' | 'details' | null

/** Shown only on narrow screens (CSS): the buttons that open the two sheets. */
export function PhoneBar({ open, people }: { open: (s: SheetName) => void; people: number }) {
  return (
    <div class="phone-bar">
      <button type="button" class="small" onClick={() => open('sessions')}>
        Sessions
      </button>
      <button type="button" class="small" onClick={() => open('details')}>
        People &amp; files ({people})
      </button>
    </div>
  )
}

/** The sheet's own Close; on wide screens the side panel is a column and this button is hidden (CSS). */
export function SheetClose({ label, close }: { label: string; close: () => void }) {
  return (
    <div class="sheet-head">
      <span class="grip" aria-hidden="true" />
      <button type="button" class="small" onClick={close}>
        Close {label}
      </button>
    </div>
  )
}

/** A dimmed page behind an open sheet; a tap on it closes the sheet. */
export function Backdrop({ close }: { close: () => void }) {
  return <div class="sheet-backdrop" onClick={close} aria-hidden="true" />
}

export function SessionsSheet({ workspaceId, close }: { workspaceId: string; close: () => void }) {
  return (
    <Sheet label="Sessions" close={close}>
      <SessionList workspaceId={workspaceId} compact />
    </Sheet>
  )
}

function Sheet({ label, close, children }: { label: string; close: () => void; children: ComponentChildren }) {
  return (
    <section class="sheet" aria-label={label} data-sheet="true">
      <SheetClose label={label.toLowerCase()} close={close} />
      <h2>{label}</h2>
      {children}
    </section>
  )
}
