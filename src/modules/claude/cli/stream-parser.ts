// Dependency-free line splitter/parser for the Claude CLI's stream-json stdout (the fields are read in extract.ts).

/** A parsed stdout line that is a JSON object; unknown event types pass through untouched. */
export interface JsonItem {
  kind: 'json'
  event: CliJsonEvent
  /** The line as printed, without the line terminator. */
  raw: string
}

/** A line that is not a JSON object (CLI text output, a crash trace, garbage) or was too long to keep. */
export interface TextItem {
  kind: 'text'
  /** The line, or for an oversize line the first `previewBytes` of it. */
  line: string
  /** Set when the line exceeded maxLineBytes and was cut; `bytes` is its full length. */
  oversize?: true
  bytes?: number
}

export type ParsedItem = JsonItem | TextItem

/** Any JSON object line; `type` is a string on every event the CLI prints. */
export interface CliJsonEvent {
  type?: unknown
  [key: string]: unknown
}

export interface StreamParserOptions {
  /** Longest line kept in memory; longer lines are reported as oversize text. Default 8 MiB. */
  maxLineBytes?: number
  /** How much of an oversize line is kept as its preview. Default 1 KiB. */
  previewBytes?: number
}

export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024
const DEFAULT_PREVIEW_BYTES = 1024
const LF = 0x0a
const CR = 0x0d

/** Classifies one complete line (terminator already removed). Blank lines yield undefined. */
export function parseLine(line: string): ParsedItem | undefined {
  if (line.trim() === '') return undefined
  const first = line.trimStart()[0]
  // Only objects are events; cheap pre-check avoids a throwing JSON.parse on every text line.
  if (first === '{') {
    try {
      const value: unknown = JSON.parse(line)
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        return { kind: 'json', event: value as CliJsonEvent, raw: line }
      }
    } catch {
      // falls through: a line that merely starts with '{' is text
    }
  }
  return { kind: 'text', line }
}

/**
 * Incremental splitter. Works on bytes so a multi-byte UTF-8 character split across chunks is
 * decoded only once its line is complete (0x0A never occurs inside a UTF-8 sequence).
 */
export class StreamParser {
  private readonly maxLineBytes: number
  private readonly previewBytes: number
  private readonly decoder = new TextDecoder('utf-8')
  private readonly encoder = new TextEncoder()
  private parts: Uint8Array[] = []
  private partsBytes = 0
  /** While discarding an oversize line: its byte count so far and kept preview. */
  private oversize: { bytes: number; preview: Uint8Array; lastByte: number } | undefined

  constructor(opts: StreamParserOptions = {}) {
    this.maxLineBytes = Math.max(1, opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)
    this.previewBytes = Math.max(0, Math.min(opts.previewBytes ?? DEFAULT_PREVIEW_BYTES, this.maxLineBytes))
  }

  /** Bytes currently held for an unfinished line; bounded by maxLineBytes. */
  get bufferedBytes(): number {
    return this.partsBytes + (this.oversize?.preview.byteLength ?? 0)
  }

  /** Feeds one chunk and returns every line it completed. */
  push(chunk: Uint8Array | string): ParsedItem[] {
    const bytes = typeof chunk === 'string' ? this.encoder.encode(chunk) : chunk
    const out: ParsedItem[] = []
    let start = 0
    while (start < bytes.byteLength) {
      const nl = bytes.indexOf(LF, start)
      const end = nl === -1 ? bytes.byteLength : nl
      this.append(bytes.subarray(start, end))
      if (nl === -1) break
      this.finishLine(out)
      start = nl + 1
    }
    return out
  }

  /** Flushes a final line that had no trailing newline. */
  end(): ParsedItem[] {
    const out: ParsedItem[] = []
    if (this.partsBytes > 0 || this.oversize) this.finishLine(out)
    return out
  }

  private append(piece: Uint8Array): void {
    if (piece.byteLength === 0) return
    if (this.oversize) {
      this.oversize.bytes += piece.byteLength
      this.oversize.lastByte = piece[piece.byteLength - 1] ?? 0
      return
    }
    if (this.partsBytes + piece.byteLength > this.maxLineBytes) {
      this.startOversize(piece)
      return
    }
    // Copy: callers (Bun's stdout reader) may reuse the chunk's buffer after we return.
    this.parts.push(piece.slice())
    this.partsBytes += piece.byteLength
  }

  private startOversize(piece: Uint8Array): void {
    const held = this.concatParts()
    const total = held.byteLength + piece.byteLength
    const preview = new Uint8Array(Math.min(this.previewBytes, total))
    preview.set(held.subarray(0, preview.byteLength))
    if (held.byteLength < preview.byteLength)
      preview.set(piece.subarray(0, preview.byteLength - held.byteLength), held.byteLength)
    this.oversize = { bytes: total, preview, lastByte: piece[piece.byteLength - 1] ?? 0 }
    this.parts = []
    this.partsBytes = 0
  }

  private finishLine(out: ParsedItem[]): void {
    if (this.oversize) {
      const { bytes, preview, lastByte } = this.oversize
      this.oversize = undefined
      // The CR of a CRLF is a terminator, not content; the preview may end mid-character.
      const line = this.decoder.decode(preview).replace(/\uFFFD+$/, '')
      out.push({ kind: 'text', line, oversize: true, bytes: lastByte === CR ? bytes - 1 : bytes })
      return
    }
    let line = this.concatParts()
    this.parts = []
    this.partsBytes = 0
    if (line.byteLength > 0 && line[line.byteLength - 1] === CR) line = line.subarray(0, line.byteLength - 1)
    const item = parseLine(this.decoder.decode(line))
    if (item) out.push(item)
  }

  private concatParts(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0] as Uint8Array
    const joined = new Uint8Array(this.partsBytes)
    let offset = 0
    for (const part of this.parts) {
      joined.set(part, offset)
      offset += part.byteLength
    }
    return joined
  }
}

/**
 * Parses a byte stream (e.g. Bun.spawn().stdout) or any iterable of chunks into items.
 * Never throws on content; a read error from the source propagates.
 */
export async function* parseStream(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  opts: StreamParserOptions = {},
): AsyncGenerator<ParsedItem> {
  const parser = new StreamParser(opts)
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    yield* parser.push(chunk)
  }
  yield* parser.end()
}
