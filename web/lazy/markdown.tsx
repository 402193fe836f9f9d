// Markdown and diff views that render plain text at once and upgrade when the lazily loaded renderer arrives.
import { useEffect, useState } from 'preact/hooks'

type Render = typeof import('./render.ts')
let loading: Promise<Render> | undefined
const loadRender = () => (loading ??= import('./render.ts'))

function useRender(): Render | null {
  const [mod, setMod] = useState<Render | null>(null)
  useEffect(() => {
    let live = true
    void loadRender().then((m) => live && setMod(() => m))
    return () => {
      live = false
    }
  }, [])
  return mod
}

export function Markdown({ text }: { text: string }) {
  const r = useRender()
  if (!r) return <div class="md plain">{text}</div>
  return <div class="md" dangerouslySetInnerHTML={{ __html: r.markdownToSafeHtml(text) }} />
}

export function Diff({ path, before, after }: { path: string; before: string; after: string }) {
  const r = useRender()
  const lines = r ? r.unifiedDiff(path, before, after) : after.split('\n').map((l) => `+${l}`)
  return (
    <pre class="diff" title={`Changes to ${path}`}>
      {lines.map((l, i) => (
        <span key={i} class={l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : l.startsWith('@@') ? 'hunk' : ''}>
          {l}
          {'\n'}
        </span>
      ))}
    </pre>
  )
}
