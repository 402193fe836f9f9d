// The side panel's shared document: the editor and its sync code load on demand, outside the initial bundle.
import { useEffect, useState } from 'preact/hooks'
import type { ChannelMessage } from '../../src/client/index.ts'

type EditorModule = typeof import('../lazy/editor.tsx')
let loading: Promise<EditorModule> | undefined

interface Props {
  sessionId: string
  myId: string
  canEdit: boolean
  listen: (fn: ((m: ChannelMessage<any>) => void) | null) => void
}

export function DocumentPanel(props: Props) {
  const [mod, setMod] = useState<EditorModule | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    loading ??= import('../lazy/editor.tsx')
    loading
      .then((m) => live && setMod(() => m))
      .catch(() => setError('The editor could not be loaded; reload the page'))
    return () => {
      live = false
    }
  }, [])
  return (
    <section aria-labelledby="doc-h">
      <h2 id="doc-h">Shared document</h2>
      {mod ? <mod.DocEditor {...props} /> : <p class="muted">{error ?? 'Loading the editor…'}</p>}
    </section>
  )
}
