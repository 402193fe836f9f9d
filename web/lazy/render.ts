// The heavy renderers, loaded on demand: markdown (marked, then DOMPurify: nothing unsanitised) and diffs.
import { createTwoFilesPatch } from 'diff'
import DOMPurify from 'dompurify'
import { marked } from 'marked'

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  // links open in a new tab without handing this page to the target
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer')
  }
})

export function markdownToSafeHtml(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true, breaks: false }) as string
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'],
    FORBID_ATTR: ['style'],
  })
}

export function unifiedDiff(path: string, before: string, after: string): string[] {
  const patch = createTwoFilesPatch(path, path, before, after, '', '', { context: 3 })
  // drop the ===/---/+++ header: the card names the file already
  return patch.split('\n').filter((l, i) => i > 3 || !/^(=+|---|\+\+\+|Index:)/.test(l))
}
