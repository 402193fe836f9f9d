// Receives a multipart/form-data upload: small fields kept, the one file part streamed to a temp file while hashed.
import { join } from 'node:path'
import { invalid } from '../../core/errors.ts'
import { MultipartReader } from './multipart-stream.ts'
import { HashingWriter } from './storage.ts'

const MAX_PARTS = 20
const MAX_FIELD_BYTES = 1024

export interface Received {
  /** The client's file name, unsanitised. */
  filename: string
  tmpPath: string
  size: number
  sha256: string
  head: Uint8Array
  fields: Record<string, string>
}

/**
 * Reads the body part by part. `beforeFile` runs with the fields seen so far just before the file's bytes are
 * read (so a caller can refuse early). On any error the temp file is removed and the body is cancelled.
 */
export async function receiveMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  o: { tmpDir: string; maxBytes: number; beforeFile: (fields: Record<string, string>) => Promise<void> },
): Promise<Received> {
  const reader = new MultipartReader(body.getReader(), boundary)
  const fields: Record<string, string> = {}
  let writer: HashingWriter | null = null
  let file: Omit<Received, 'fields'> | null = null
  try {
    let parts = 0
    for (let h = await reader.nextPart(); h; h = await reader.nextPart()) {
      if (++parts > MAX_PARTS) throw invalid(`At most ${MAX_PARTS} form fields`)
      if (h.filename === null) {
        const value = await readField(reader, h.name)
        if (!(h.name in fields)) fields[h.name] = value
        continue
      }
      if (file) throw invalid('Send one file per upload')
      await o.beforeFile(fields)
      writer = new HashingWriter(join(o.tmpDir, `${crypto.randomUUID()}.part`), o.maxBytes)
      for (let piece = await reader.read(); piece; piece = await reader.read()) await writer.write(piece)
      file = { filename: h.filename, tmpPath: writer.path, ...(await writer.finish()) }
    }
    if (!file) throw invalid('The form has no file part; send it as `file`')
    return { ...file, fields }
  } catch (err) {
    await writer?.abort()
    await reader.cancel()
    throw err
  }
}

async function readField(reader: MultipartReader, name: string): Promise<string> {
  const pieces: Uint8Array[] = []
  let n = 0
  for (let piece = await reader.read(); piece; piece = await reader.read()) {
    n += piece.length
    if (n > MAX_FIELD_BYTES)
      throw invalid(`Form field ${JSON.stringify(name.slice(0, 40))} is longer than ${MAX_FIELD_BYTES} bytes`)
    pieces.push(piece)
  }
  return Buffer.concat(pieces).toString('utf8')
}
