// The transcript's items; a long session renders only those near the viewport, with spacers of measured height around.
import type { RefObject } from 'preact'
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { TranscriptItem } from './cards.tsx'
import type { Item } from './transcript.ts'

/** Up to this many items everything is rendered (find in page works, nothing to estimate). */
const RENDER_ALL = 200
/** Rendered beyond the visible part, above and below, in px: scrolling shows items already laid out. */
const OVERSCAN = 1200
/** Height assumed for an item not measured yet. */
const GUESS = 64

export function TranscriptItems({ items, scroller }: { items: Item[]; scroller: RefObject<HTMLDivElement | null> }) {
  const heights = useRef(new Map<string, number>())
  const rendered = useRef<HTMLDivElement>(null)
  const [, redraw] = useState(0)
  const big = items.length > RENDER_ALL
  useEffect(() => {
    const el = scroller.current
    if (!el || !big) return
    let frame = 0
    const onScroll = () => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(() => redraw((n) => n + 1))
    }
    el.addEventListener('scroll', onScroll, { passive: true })
    window.addEventListener('resize', onScroll)
    // a streaming item grows without this component rendering: measure again when the window's size changes
    const grown = new ResizeObserver(onScroll)
    if (rendered.current) grown.observe(rendered.current)
    return () => {
      grown.disconnect()
      cancelAnimationFrame(frame)
      el.removeEventListener('scroll', onScroll)
      window.removeEventListener('resize', onScroll)
    }
  }, [big, scroller])
  // measure what was rendered; a changed height draws again with the spacers corrected
  useLayoutEffect(() => {
    let changed = false
    for (const child of Array.from(rendered.current?.children ?? []) as HTMLElement[]) {
      const key = child.dataset.key!
      if (Math.abs((heights.current.get(key) ?? -1) - child.offsetHeight) > 1) {
        heights.current.set(key, child.offsetHeight)
        changed = true
      }
    }
    if (changed) redraw((n) => n + 1)
  })
  if (!big) return <>{items.map(render)}</>
  const el = scroller.current
  const { first, last, above, below } = windowOf(items, heights.current, el?.scrollTop ?? 0, el?.clientHeight ?? 800)
  return (
    <>
      <div class="spacer" style={{ height: `${above}px` }} />
      <div ref={rendered} class="window">
        {items.slice(first, last).map((item) => (
          <div key={item.key} data-key={item.key}>
            {render(item)}
          </div>
        ))}
      </div>
      <div class="spacer" style={{ height: `${below}px` }} />
    </>
  )
}

const render = (item: Item) => <TranscriptItem key={item.key} item={item} />

/** The items overlapping [top - OVERSCAN, top + height + OVERSCAN], and the heights of what lies above and below. */
function windowOf(items: Item[], heights: Map<string, number>, top: number, height: number) {
  const lo = top - OVERSCAN
  const hi = top + height + OVERSCAN
  let y = 0
  let first = -1
  let last = items.length
  let above = 0
  for (let i = 0; i < items.length; i++) {
    const h = heights.get(items[i]!.key) ?? GUESS
    if (first < 0 && y + h > lo) {
      first = i
      above = y
    }
    if (y >= hi) {
      last = i
      break
    }
    y += h
  }
  let below = 0
  for (let i = last; i < items.length; i++) below += heights.get(items[i]!.key) ?? GUESS
  return { first: Math.max(0, first), last, above, below }
}
