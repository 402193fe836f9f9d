// A secret the server shows only once (a new API key, a share link): read-only field, Copy, and a note saying so.
import { useState } from 'preact/hooks'

export function ShownOnce({ label, value, copyLabel }: { label: string; value: string; copyLabel: string }) {
  const [copied, setCopied] = useState<boolean | null>(null)
  const copy = () =>
    navigator.clipboard.writeText(value).then(
      () => setCopied(true),
      () => setCopied(false),
    )
  return (
    <div class="created-link">
      <label>
        {label} <input readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
      </label>
      <button type="button" class="small" onClick={() => void copy()}>
        {copyLabel}
      </button>
      {copied === true && <span role="status">Copied</span>}
      {copied === false && <span role="status">The browser refused: select the text and copy it</span>}
    </div>
  )
}
