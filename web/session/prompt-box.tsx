// The prompt box: Enter sends, Shift+Enter adds a line; attached files go along as file_ids.
import { useRef, useState } from 'preact/hooks'
import { askForNotificationsOnce } from '../lib/notify.ts'
import type { FileView } from '../lib/types.ts'
import { type RunOptions, RunPickers, runFields } from './run-options.tsx'

interface Props {
  /** The prompt and the chosen model / permission mode (only what differs from the server's defaults). */
  send: (prompt: string, options: RunOptions) => Promise<void>
  attached: FileView[]
  detach: (id: string) => void
  label?: string
  /** Typing start (repeated while typing, so the server's expiry does not end it) and stop. */
  typing?: (state: 'start' | 'stop') => void
}

const TYPING_REFRESH_MS = 2000

export function PromptBox({ send, attached, detach, label = 'Message Claude', typing }: Props) {
  const [text, setText] = useState('')
  const [options, setOptions] = useState<RunOptions>({})
  const lastStart = useRef(0)
  const typed = (value: string) => {
    setText(value)
    if (!typing) return
    if (!value) {
      lastStart.current = 0
      return typing('stop')
    }
    if (Date.now() - lastStart.current < TYPING_REFRESH_MS) return
    lastStart.current = Date.now()
    typing('start')
  }
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const submit = async () => {
    const prompt = text.trim()
    if (!prompt || busy) return
    askForNotificationsOnce()
    setBusy(true)
    setError(null)
    try {
      await send(prompt, runFields(options))
      typed('')
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
          onInput={(e) => typed(e.currentTarget.value)}
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
      <RunPickers value={options} onChange={setOptions} />
    </form>
  )
}
