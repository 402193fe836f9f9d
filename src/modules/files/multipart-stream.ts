// Pull-based multipart/form-data reader over a Web ReadableStream: parts one at a time, data never buffered whole.
import { AppError } from '../../core/errors.ts'

export interface PartHeaders {
  /** The form field name (Content-Disposition name). */
  name: string
  /** Present (possibly empty) for file parts, null for plain fields. */
  filename: string | null
  contentType: string | null
}

const CRLF = Buffer.from('\r\n')
const HEADER_END = Buffer.from('\r\n\r\n')
const MAX_HEADER_BYTES = 16 * 1024
const MAX_PREAMBLE_BYTES = 64 * 1024

const malformed = (why: string) => new AppError('BAD_REQUEST', 400, `Malformed multipart body: ${why}`)

/** The boundary parameter of a multipart/form-data Content-Type, or null when the type is something else. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) return null
  const b = parseParams(contentType).boundary
  return b && b.length <= 70 && /^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/.test(b) ? b : null
}

/**
 * Reads parts in order: `nextPart()` skips whatever is left of the current part and returns the next part's headers
 * (null after the closing delimiter); `read()` returns the current part's data in pieces, then null at its end.
 * Only the unparsed tail (at most one chunk plus a delimiter's length) is held in memory.
 */
export class MultipartReader {
  private readonly delimiter: Buffer
  private buf: Buffer
  private eof = false
  private state: 'preamble' | 'body' | 'delimiter' | 'done' = 'preamble'

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    boundary: string,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`)
    // A virtual CRLF lets the first delimiter (which has none before it) match the same pattern.
    this.buf = Buffer.from(CRLF)
  }

  async nextPart(): Promise<PartHeaders | null> {
    if (this.state === 'done') return null
    if (this.state === 'body') while ((await this.read()) !== null);
    if (this.state === 'preamble') await this.skipPreamble()
    // buf now starts with the delimiter; then "--" (close) or optional padding and CRLF.
    const d = this.delimiter.length
    while (this.buf.length < d + 2) if (!(await this.fill())) throw malformed('unexpected end after a boundary')
    if (this.buf[d] === 0x2d && this.buf[d + 1] === 0x2d) {
      this.state = 'done'
      return null
    }
    let p = d
    for (;;) {
      while (this.buf.length < p + 2) if (!(await this.fill())) throw malformed('unexpected end after a boundary')
      if (this.buf[p] === 0x20 || this.buf[p] === 0x09) p++
      else break
    }
    if (this.buf[p] !== 0x0d || this.buf[p + 1] !== 0x0a) throw malformed('boundary line not followed by CRLF')
    // Headers end at the first CRLFCRLF counted from this CRLF (an empty header block is a bare CRLFCRLF).
    let end: number
    while ((end = this.buf.indexOf(HEADER_END, p)) < 0) {
      if (this.buf.length - p > MAX_HEADER_BYTES) throw malformed('part headers too large')
      if (!(await this.fill())) throw malformed('unexpected end in part headers')
    }
    if (end - p > MAX_HEADER_BYTES) throw malformed('part headers too large')
    const headers = parseHeaders(this.buf.subarray(p + 2, end).toString('utf8'))
    this.buf = this.buf.subarray(end + 4)
    this.state = 'body'
    return headers
  }

  /** The next piece of the current part's data (a view of bytes that are never reused), or null at its end. */
  async read(): Promise<Uint8Array | null> {
    if (this.state !== 'body') return null
    for (;;) {
      const i = this.buf.indexOf(this.delimiter)
      if (i >= 0) {
        const out = this.buf.subarray(0, i)
        this.buf = this.buf.subarray(i)
        this.state = 'delimiter'
        return out.length ? out : null
      }
      // No full delimiter: everything but a tail that could start one is data. Keeping only a real prefix (usually
      // nothing) lets the next chunk be taken as it is rather than copied onto the tail.
      const safe = this.buf.length - this.delimiterPrefixAtEnd()
      if (safe > 0) {
        const out = this.buf.subarray(0, safe)
        this.buf = this.buf.subarray(safe)
        return out
      }
      if (!(await this.fill())) throw malformed('unexpected end of body (no closing boundary)')
    }
  }

  /** Stops reading the request body (on error or early exit). */
  async cancel(): Promise<void> {
    this.state = 'done'
    await this.reader.cancel().catch(() => {})
  }

  /** Length of the longest tail of `buf` that is a proper prefix of the delimiter. */
  private delimiterPrefixAtEnd(): number {
    const buf = this.buf
    const from = Math.max(0, buf.length - (this.delimiter.length - 1))
    for (let i = buf.indexOf(0x0d, from); i >= 0; i = buf.indexOf(0x0d, i + 1)) {
      if (buf.subarray(i).equals(this.delimiter.subarray(0, buf.length - i))) return buf.length - i
    }
    return 0
  }

  private async skipPreamble(): Promise<void> {
    let skipped = 0
    for (;;) {
      const i = this.buf.indexOf(this.delimiter)
      if (i >= 0) {
        this.buf = this.buf.subarray(i)
        this.state = 'delimiter'
        return
      }
      const keep = this.delimiter.length - 1
      if (this.buf.length > keep) {
        skipped += this.buf.length - keep
        this.buf = this.buf.subarray(this.buf.length - keep)
      }
      if (skipped > MAX_PREAMBLE_BYTES) throw malformed('no boundary found')
      if (!(await this.fill())) throw malformed('no boundary found')
    }
  }

  private async fill(): Promise<boolean> {
    if (this.eof) return false
    const { done, value } = await this.reader.read().catch(() => {
      throw new AppError('BAD_REQUEST', 400, 'The upload was interrupted before the body was complete')
    })
    if (done) {
      this.eof = true
      return false
    }
    if (value.length)
      this.buf = this.buf.length
        ? Buffer.concat([this.buf, value])
        : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    return true
  }
}

function parseHeaders(block: string): PartHeaders {
  let disposition: string | null = null
  let contentType: string | null = null
  for (const line of block.split('\r\n')) {
    if (!line) continue
    const colon = line.indexOf(':')
    if (colon <= 0) throw malformed('bad part header line')
    const key = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (key === 'content-disposition') disposition = value
    else if (key === 'content-type') contentType = value
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition))
    throw malformed('part without Content-Disposition: form-data')
  const params = parseParams(disposition)
  if (params.name === undefined) throw malformed('part without a name')
  const filename = params['filename*'] !== undefined ? decodeExtValue(params['filename*']) : params.filename
  return { name: params.name, filename: filename ?? null, contentType }
}

/** `type; a=b; c="quoted \" value"` → { a: 'b', c: 'quoted " value' }; keys lower-cased, first occurrence wins. */
export function parseParams(header: string): Record<string, string> {
  const out: Record<string, string> = {}
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const key = m[1]!.toLowerCase()
    if (key in out) continue
    // Only \" and \\ are escapes (curl); browsers send other backslashes (Windows paths) as they are.
    out[key] = m[2] !== undefined ? m[2].replace(/\\(["\\])/g, '$1') : m[3]!.trim()
  }
  return out
}

/** RFC 8187 ext-value (`UTF-8''na%C3%AFve.txt`); anything undecodable yields undefined. */
function decodeExtValue(v: string): string | undefined {
  const m = /^([A-Za-z0-9!#$&+^`{}~-]+)'[^']*'(.*)$/.exec(v)
  if (!m) return undefined
  try {
    const bytes = Buffer.from(
      m[2]!.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    )
    return m[1]!.toLowerCase() === 'utf-8'
      ? new TextDecoder('utf-8', { fatal: true }).decode(bytes)
      : bytes.toString('latin1')
  } catch {
    return undefined
  }
}
