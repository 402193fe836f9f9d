// Resumable chunked upload over the WebSocket: after a dropped socket it asks upload_status and sends only the missing chunks.
import { CchubError } from './errors.ts'
import type { RequestMessage } from './outbox.ts'
import type { FileData, UploadOptions, UploadProgress } from './types.ts'

/** What the upload needs from the client: a request that waits for the (re)opened socket. */
export type Requester = (type: string, message: RequestMessage, opts?: { timeoutMs?: number }) => Promise<unknown>

interface StartReply {
  file_id: string
  chunk_size: number
}
interface StatusReply {
  complete: boolean
  missing: number[]
  bytes_received?: number
  file?: FileData
}

/** The server's largest suggested chunk; a smaller suggestion (a smaller frame limit) restarts with it. */
const MAX_CHUNK = 512 * 1024
/** Chunks in flight at once: enough to keep the socket busy, few enough that a drop loses little. */
const WINDOW = 4
/** Code of errors after which the same chunk may succeed on a new socket. */
const TRANSIENT = new Set(['DISCONNECTED', 'TIMEOUT'])

export class ChunkedUpload {
  private readonly blob: Blob
  private fileId = ''
  private chunkSize: number
  private total = 0
  /** Consecutive attempts that ended in a transient error without the server gaining a chunk. */
  private stalls = 0

  constructor(
    private readonly request: Requester,
    data: Blob | Uint8Array,
    private readonly o: UploadOptions,
  ) {
    this.blob = data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>])
    this.chunkSize = Math.min(MAX_CHUNK, o.chunkSize ?? MAX_CHUNK)
  }

  async run(): Promise<FileData> {
    if (this.blob.size === 0) throw new CchubError('VALIDATION_FAILED', 'An empty file cannot be sent in chunks')
    await this.start()
    let todo = [...Array(this.total).keys()]
    for (;;) {
      try {
        const file = await this.sendAll(todo)
        if (file) return file
      } catch (err) {
        if (!(err instanceof CchubError) || !TRANSIENT.has(err.code) || ++this.stalls > (this.o.maxRetries ?? 10))
          throw err
      }
      const status = await this.status()
      if (status.file) return status.file
      // every chunk is there but the completing reply was lost: sending the last one again returns the file
      todo = status.missing.length ? status.missing : [this.total - 1]
    }
  }

  private async start(): Promise<void> {
    const reply = (await this.request('upload_start', {
      data: {
        filename: this.o.filename,
        size: this.blob.size,
        total_chunks: Math.ceil(this.blob.size / this.chunkSize),
        ...(this.o.content_type ? { content_type: this.o.content_type } : {}),
        ...(this.o.session_id ? { session_id: this.o.session_id } : {}),
        ...(this.o.workspace_id ? { workspace_id: this.o.workspace_id } : {}),
      },
    })) as StartReply
    if (reply.chunk_size < this.chunkSize) {
      // the server's frames are smaller than our chunks would be: start again with its size
      await this.request('upload_cancel', { data: { file_id: reply.file_id } })
      this.chunkSize = reply.chunk_size
      return this.start()
    }
    this.fileId = reply.file_id
    this.total = Math.ceil(this.blob.size / this.chunkSize)
    this.o.onStart?.(reply.file_id)
  }

  /** Sends `indexes` with a few in flight; the file once the server assembled it, else null. */
  private async sendAll(indexes: number[]): Promise<FileData | null> {
    let next = 0
    let file: FileData | null = null
    let failure: unknown = null
    // on the first failure every lane stops, so nothing keeps sending behind the upload_status that follows
    const lane = async () => {
      while (next < indexes.length && !file && !failure) {
        try {
          file = (await this.send(indexes[next++]!)) ?? file
        } catch (err) {
          failure ??= err
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(WINDOW, indexes.length) }, lane))
    if (failure) throw failure
    return file
  }

  private async send(index: number): Promise<FileData | null> {
    const start = index * this.chunkSize
    const bytes = new Uint8Array(await this.blob.slice(start, start + this.chunkSize).arrayBuffer())
    const reply = (await this.request(
      'upload_chunk',
      {
        data: { file_id: this.fileId, chunk_index: index, data: base64(bytes), is_last: index === this.total - 1 },
      },
      // a slow link may need more than the default for a full chunk; a dead socket is caught by the heartbeat
      { timeoutMs: 60_000 },
    )) as Record<string, unknown>
    this.stalls = 0
    // the completing chunk is answered with the file itself (it has a sha256), every other with upload_progress
    if (typeof reply.sha256 === 'string') {
      this.progress(this.blob.size)
      return reply as unknown as FileData
    }
    this.progress(Number(reply.bytes_received))
    return null
  }

  private async status(): Promise<StatusReply> {
    for (;;) {
      try {
        const s = (await this.request('upload_status', { data: { file_id: this.fileId } })) as StatusReply
        if (typeof s.bytes_received === 'number') this.progress(s.bytes_received)
        return s
      } catch (err) {
        if (!(err instanceof CchubError) || !TRANSIENT.has(err.code) || ++this.stalls > (this.o.maxRetries ?? 10))
          throw err
      }
    }
  }

  private progress(bytes: number): void {
    const p: UploadProgress = { file_id: this.fileId, bytes, size: this.blob.size }
    this.o.onProgress?.(p)
  }
}

/** Base64 without Buffer (browsers): btoa over a binary string, built in slices to keep the argument list short. */
function base64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}
