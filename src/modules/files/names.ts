// File names from clients made safe for disk and headers, and the one content type a stored file is served with.
import { extname } from 'node:path'

const MAX_NAME_BYTES = 200
const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8')

/**
 * A display and disk name from anything a client sends: last path segment only, no control, bidi or
 * separator characters, no leading dot or dash, no trailing dot or space, at most 200 UTF-8 bytes (extension kept).
 */
export function sanitizeName(raw: string): string {
  let name = raw.normalize('NFC').split(/[\\/]/).pop() ?? ''
  name = name
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .trim()
    .replace(/[. ]+$/, '')
    .replace(/^[.\-\s]+/, '_')
  if (!name || name === '_') name = 'file'
  return truncate(name, MAX_NAME_BYTES)
}

function truncate(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name
  let ext = extname(name)
  if (ext.length > 20 || utf8Length(ext) > 40) ext = ''
  const chars = Array.from(name.slice(0, name.length - ext.length))
  let stem = ''
  for (const ch of chars) {
    if (utf8Length(stem + ch) + utf8Length(ext) > maxBytes) break
    stem += ch
  }
  return stem + ext
}

/** Names to try in order when `name` is taken: `a.txt`, `a (1).txt`, … then one with a random suffix. */
export function* nameCandidates(name: string): Generator<string> {
  yield name
  const ext = extname(name)
  const stem = name.slice(0, name.length - ext.length) || 'file'
  for (let n = 1; n <= 50; n++) yield `${stem} (${n})${ext}`
  for (;;) yield `${stem}-${crypto.randomUUID().slice(0, 8)}${ext}`
}

/** `attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 8187). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_')
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

const TEXT_TYPES: Record<string, string> = { '.json': 'application/json', '.csv': 'text/csv', '.md': 'text/markdown' }
const MAGIC: [string, number[]][] = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/gif', [0x47, 0x49, 0x46, 0x38]],
  ['application/pdf', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['application/zip', [0x50, 0x4b, 0x03, 0x04]],
  ['application/gzip', [0x1f, 0x8b]],
]
/** Every type a file may be served with; anything else is served as application/octet-stream. */
export const SAFE_TYPES = new Set([
  ...MAGIC.map(([t]) => t),
  'image/webp',
  'application/octet-stream',
  ...['text/plain', ...Object.values(TEXT_TYPES)].map((t) => `${t}; charset=utf-8`),
])

/**
 * The type to serve, from the file's first bytes (and, for text, its extension); the client's declared type is
 * never used. Never HTML, SVG, XML or script types: text of any kind is served as plain text.
 */
export function detectType(name: string, head: Uint8Array): string {
  for (const [type, sig] of MAGIC) if (sig.every((b, i) => head[i] === b)) return type
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'image/webp'
  if (isText(head)) return `${TEXT_TYPES[extname(name).toLowerCase()] ?? 'text/plain'}; charset=utf-8`
  return 'application/octet-stream'
}

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to))

/** UTF-8 without NUL or other binary control bytes (a multi-byte character cut at the end of `head` is allowed). */
function isText(head: Uint8Array): boolean {
  if (head.length === 0) return true
  for (const b of head)
    if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b)) return false
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true })
    return true
  } catch {
    return false
  }
}
