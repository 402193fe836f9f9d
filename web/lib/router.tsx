// Client-side routes on the history API: the server answers each of them with the app's page.
import { signal } from '@preact/signals'
import type { ComponentChildren } from 'preact'

export const path = signal(location.pathname)

export function navigate(to: string, replace = false): void {
  if (to === location.pathname) return
  if (replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  path.value = to
}

addEventListener('popstate', () => {
  path.value = location.pathname
})

/** `/s/:id` against `/s/abc` gives {id: 'abc'}; null when it does not match. */
export function match(pattern: string, p: string): Record<string, string> | null {
  const a = pattern.split('/')
  const b = p.split('/')
  if (a.length !== b.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.startsWith(':')) params[a[i]!.slice(1)] = decodeURIComponent(b[i]!)
    else if (a[i] !== b[i]) return null
  }
  return params
}

export function Link(props: {
  href: string
  class?: string
  children: ComponentChildren
  'aria-current'?: 'page' | undefined
}) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return
    e.preventDefault()
    navigate(props.href)
  }
  return (
    <a href={props.href} class={props.class} aria-current={props['aria-current']} onClick={onClick}>
      {props.children}
    </a>
  )
}
