// The prompt box: Enter sends, Shift+Enter adds a line; attached files go along as file_ids.
import { useState } from 'preact/hooks'
import { askForNotificationsOnce } from '../lib/notify.ts'
import type { FileView } from '../lib/types.ts'

interface Props {
  send: (prompt: string) => Promise<void>
  attached: FileView[]
  detach: (id: string) => void
  label?: string
}

export function PromptBox({ send, attached, detach, label = 'Message Claude' }: Props) {
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const submit = async () => {
    const prompt = text.trim()
    if (!prompt || busy) return
    askForNotificationsOnce()
    setBusy(true)
    setError(null)
    try {
      await send(prompt)
      setText('')
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="prompt-box" onSubmit={(e) => (e.preventDefault(), void submit())}>
      {attached.length > 0 && (
        <ul class="chips" aria-label="Attached files">
          {attached.map((f) => (
            <li key={f.file_id}>
              {f.name}{' '}
              <button type="button" aria-label={`Detach ${f.name}`} onClick={() => detach(f.file_id)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <textarea
          aria-label={label}
          placeholder={`${label} (Enter sends, Shift+Enter for a new line)`}
          rows={2}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault()
              void submit()
            }
          }}
        />
        <button type="submit" class="primary" disabled={busy || !text.trim()}>
          Send
        </button>
      </div>
    </form>
  )
}
