// Form plumbing shared by the screens: a submit handler that shows the server's message where the action was.
import { useState } from 'preact/hooks'

export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  /** Resolves true when the action succeeded; a failure shows its message instead of throwing. */
  const run = async (...args: A): Promise<boolean> => {
    setBusy(true)
    setError(null)
    try {
      await fn(...args)
      return true
    } catch (err) {
      setError((err as Error).message)
      return false
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, run }
}

export function FormError({ error }: { error: string | null }) {
  return error ? (
    <p class="form-error" role="alert">
      {error}
    </p>
  ) : null
}

/** The value of a named field of the submitted form. */
export const field = (e: Event, name: string): string =>
  String(new FormData(e.currentTarget as HTMLFormElement).get(name) ?? '')
