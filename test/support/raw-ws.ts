// Raw-TCP WebSocket client (Bun.connect) for what real clients hide: never reading, never answering pings.
import type { Socket } from 'bun'
import { waitFor } from './wait.ts'

// A client that never reads is a stuck consumer: it leaves TCP backpressure to build up.

export interface RawFrame {
  opcode: number
  payload: Uint8Array
}

export class RawWsClient {
  socket!: Socket<undefined>
  /** Text messages received (parsed JSON). */
  readonly messages: any[] = []
  pings = 0
  closeCode: number | null = null
  closeReason = ''
  /** True once the TCP connection is gone. */
  ended = false
  status = 0
  private buf = new Uint8Array(0)
  private handshakeDone = false
  private readonly endedPromise: Promise<void>
  private resolveEnded!: () => void
  private onUpgrade: ((status: number) => void) | null = null

  private constructor() {
    this.endedPromise = new Promise((r) => (this.resolveEnded = r))
  }

  /**
   * Opens TCP, sends the upgrade request for `path` (e.g. `/ws?token=…`) and resolves once the 101 arrives.
   * `answerPings` false makes it a client that never sends a pong.
   */
  static async connect(
    port: number,
    path: string,
    opts: { answerPings?: boolean; headers?: Record<string, string> } = {},
  ): Promise<RawWsClient> {
    const c = new RawWsClient()
    const answerPings = opts.answerPings ?? true
    const upgraded = new Promise<number>((r) => (c.onUpgrade = r))
    c.socket = await Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        data(_s, chunk) {
          c.receive(new Uint8Array(chunk), answerPings)
        },
        close() {
          c.finish()
        },
        end() {
          c.finish()
        },
        error() {
          c.finish()
        },
      },
    })
    const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')
    const extra = Object.entries(opts.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')
    c.socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
    )
    const status = await Promise.race([upgraded, Bun.sleep(3000).then(() => 0)])
    if (status !== 101) {
      c.socket.end()
      throw new Error(`raw upgrade of ${path} failed with HTTP ${status}`)
    }
    return c
  }

  /** Sends one masked text frame. */
  sendText(text: string): void {
    this.writeFrame(0x1, new TextEncoder().encode(text))
  }

  send(msg: unknown): void {
    this.sendText(JSON.stringify(msg))
  }

  /** Stops reading from the socket: the server's writes pile up in the kernel and then in its own buffer. */
  pause(): void {
    this.socket.pause()
  }

  /** Starts reading again (whatever the kernel still holds is parsed). */
  resume(): void {
    this.socket.resume()
  }

  /** Waits until a parsed message matches. */
  async waitFor(pred: (m: any) => boolean, timeoutMs = 3000): Promise<any> {
    await waitFor(
      () => this.messages.some(pred),
      timeoutMs,
      () => `a message on the raw client (have ${JSON.stringify(this.messages).slice(0, 300)})`,
    )
    return this.messages.find(pred)
  }

  /** Resolves when the TCP connection is closed, or after `timeoutMs` (then `ended` is still false). */
  async waitEnded(timeoutMs: number): Promise<boolean> {
    await Promise.race([this.endedPromise, Bun.sleep(timeoutMs)])
    return this.ended
  }

  destroy(): void {
    if (!this.ended) {
      if (typeof this.socket.terminate === 'function') this.socket.terminate()
      else this.socket.end()
    }
    this.finish()
  }

  private finish() {
    if (this.ended) return
    this.ended = true
    this.resolveEnded()
  }

  private writeFrame(opcode: number, payload: Uint8Array): void {
    const len = payload.length
    const head = len < 126 ? 2 : len < 65536 ? 4 : 10
    const frame = new Uint8Array(head + 4 + len)
    frame[0] = 0x80 | opcode
    if (len < 126) frame[1] = 0x80 | len
    else if (len < 65536) {
      frame[1] = 0x80 | 126
      frame[2] = len >> 8
      frame[3] = len & 0xff
    } else {
      frame[1] = 0x80 | 127
      new DataView(frame.buffer).setBigUint64(2, BigInt(len))
    }
    const mask = crypto.getRandomValues(new Uint8Array(4))
    frame.set(mask, head)
    for (let i = 0; i < len; i++) frame[head + 4 + i] = payload[i]! ^ mask[i & 3]!
    this.socket.write(frame)
  }

  private receive(chunk: Uint8Array, answerPings: boolean): void {
    const merged = new Uint8Array(this.buf.length + chunk.length)
    merged.set(this.buf)
    merged.set(chunk, this.buf.length)
    this.buf = merged
    if (!this.handshakeDone) {
      const text = new TextDecoder().decode(this.buf)
      const end = text.indexOf('\r\n\r\n')
      if (end < 0) return
      this.status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)
      this.handshakeDone = true
      this.buf = this.buf.slice(Buffer.byteLength(text.slice(0, end + 4)))
      this.onUpgrade?.(this.status)
      if (this.status !== 101) return
    }
    for (;;) {
      const f = this.parseFrame()
      if (!f) return
      if (f.opcode === 0x1) {
        try {
          this.messages.push(JSON.parse(new TextDecoder().decode(f.payload)))
        } catch {
          this.messages.push({ unparsable: new TextDecoder().decode(f.payload) })
        }
      } else if (f.opcode === 0x9) {
        this.pings++
        if (answerPings) this.writeFrame(0xa, f.payload)
      } else if (f.opcode === 0x8) {
        this.closeCode = f.payload.length >= 2 ? (f.payload[0]! << 8) | f.payload[1]! : 1005
        this.closeReason = new TextDecoder().decode(f.payload.slice(2))
      }
    }
  }

  private parseFrame(): RawFrame | null {
    const b = this.buf
    if (b.length < 2) return null
    let len = b[1]! & 0x7f
    let off = 2
    if (len === 126) {
      if (b.length < 4) return null
      len = (b[2]! << 8) | b[3]!
      off = 4
    } else if (len === 127) {
      if (b.length < 10) return null
      len = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(2))
      off = 10
    }
    if (b.length < off + len) return null
    const frame = { opcode: b[0]! & 0x0f, payload: b.slice(off, off + len) }
    this.buf = b.slice(off + len)
    return frame
  }
}
