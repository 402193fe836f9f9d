// A small WebSocket client over Bun.connect: cheap enough for 10,000 connections per load process; also for fuzzing.
import type { Socket } from 'bun'

// Cheap enough too to count hundreds of thousands of frames a second; for fuzzing it sends arbitrary frames and bytes.

export interface RawWsEvents {
  onText?(ws: RawWs, text: string): void
  onClose?(ws: RawWs, code: number, reason: string): void
}

export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused: HTTP ${status} ${body.slice(0, 200)}`)
  }
}

interface Pending {
  resolve(ws: RawWs): void
  reject(err: Error): void
}

const ZERO_MASK = Buffer.alloc(4)

const handlers = {
  open(s: Socket<RawWs>) {
    s.data.attach(s)
  },
  data(s: Socket<RawWs>, chunk: Buffer) {
    s.data.onData(chunk)
  },
  drain(s: Socket<RawWs>) {
    s.data.onDrain()
  },
  close(s: Socket<RawWs>) {
    s.data.onEnd()
  },
  end(s: Socket<RawWs>) {
    s.data.onEnd()
  },
  error(s: Socket<RawWs>) {
    s.data.onEnd()
  },
  connectError(s: Socket<RawWs>, err: Error) {
    s.data.fail(err)
  },
}

export class RawWs {
  socket: Socket<RawWs> | null = null
  upgraded = false
  ended = false
  closeCode = 0
  closeReason = ''
  /** Text frames received (when not counted only through onText). */
  received = 0
  /** Anything the user wants to hang on the connection. */
  tag: any = null
  private parts: Buffer[] = []
  private pendingLen = 0
  private need = 0
  private fragments: Buffer[] | null = null
  private fragmentOpcode = 0
  private out: Buffer[] = []
  private pending: Pending | null
  private timer: ReturnType<typeof setTimeout> | undefined
  private request = ''

  private constructor(
    private readonly events: RawWsEvents,
    pending: Pending,
  ) {
    this.pending = pending
  }

  /** Opens TCP, upgrades `path`; resolves once 101 arrived, rejects with UpgradeRefused (status, body) otherwise. */
  static connect(
    port: number,
    path: string,
    events: RawWsEvents = {},
    opts: { host?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<RawWs> {
    const host = opts.host ?? '127.0.0.1'
    return new Promise<RawWs>((resolve, reject) => {
      const ws = new RawWs(events, { resolve, reject })
      const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')
      const extra = Object.entries(opts.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')
      ws.request = `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
      ws.timer = setTimeout(
        () => ws.fail(new Error(`upgrade of ${path.slice(0, 40)} timed out`)),
        opts.timeoutMs ?? 15_000,
      )
      Bun.connect<RawWs>({ hostname: host, port, data: ws, socket: handlers as never }).catch((err) =>
        ws.fail(err as Error),
      )
    })
  }

  get open(): boolean {
    return this.upgraded && !this.ended
  }

  sendText(text: string): void {
    this.sendFrame(0x1, Buffer.from(text))
  }

  /**
   * One frame, masked (the key is zero: a valid key that leaves the bytes as they are). `fin` false starts a fragmented
   * message.
   */
  sendFrame(opcode: number, payload: Uint8Array, fin = true): void {
    const len = payload.length
    const head = len < 126 ? 2 : len < 65536 ? 4 : 10
    const frame = Buffer.allocUnsafe(head + 4 + len)
    frame[0] = (fin ? 0x80 : 0) | opcode
    if (len < 126) frame[1] = 0x80 | len
    else if (len < 65536) {
      frame[1] = 0x80 | 126
      frame.writeUInt16BE(len, 2)
    } else {
      frame[1] = 0x80 | 127
      frame.writeBigUInt64BE(BigInt(len), 2)
    }
    ZERO_MASK.copy(frame, head)
    frame.set(payload, head + 4)
    this.write(frame)
  }

  /** Bytes as they are, no framing (fuzzing). */
  sendRaw(bytes: Uint8Array): void {
    this.write(Buffer.from(bytes))
  }

  /** Sends a close frame and ends the TCP connection shortly after. */
  close(code = 1000): void {
    if (this.ended) return
    const p = Buffer.alloc(2)
    p.writeUInt16BE(code)
    try {
      this.sendFrame(0x8, p)
    } catch {
      // gone
    }
    setTimeout(() => this.destroy(), 50)
  }

  /** Drops the TCP connection without a close frame (a client that vanished). */
  destroy(): void {
    if (!this.socket) return this.onEnd()
    try {
      this.socket.terminate()
    } catch {
      // gone
    }
    this.onEnd()
  }

  pause(): void {
    this.socket?.pause()
  }

  resume(): void {
    this.socket?.resume()
  }

  // ---- socket callbacks -------------------------------------------------------------------------------------------

  /** @internal */
  fail(err: Error): void {
    clearTimeout(this.timer)
    const p = this.pending
    this.pending = null
    p?.reject(err)
    if (this.socket) {
      try {
        this.socket.terminate()
      } catch {
        // gone
      }
    }
    this.ended = true
  }

  /** @internal */
  onDrain(): void {
    if (!this.socket) return
    while (this.out.length) {
      const b = this.out[0]!
      const n = this.socket.write(b)
      if (n < b.length) {
        this.out[0] = b.subarray(Math.max(0, n))
        return
      }
      this.out.shift()
    }
  }

  /** @internal */
  onEnd(): void {
    if (this.ended) return
    this.ended = true
    clearTimeout(this.timer)
    if (this.pending) {
      const p = this.pending
      this.pending = null
      p.reject(new Error('connection closed before the upgrade'))
    }
    if (this.upgraded) this.events.onClose?.(this, this.closeCode || 1006, this.closeReason)
  }

  /** @internal */
  onData(chunk: Buffer): void {
    if (this.pendingLen) {
      this.parts.push(Buffer.from(chunk))
      this.pendingLen += chunk.length
      if (this.pendingLen < this.need) return
      chunk = Buffer.concat(this.parts, this.pendingLen)
      this.parts = []
      this.pendingLen = 0
    }
    let off = 0
    if (!this.upgraded) {
      const end = chunk.indexOf('\r\n\r\n')
      if (end < 0) {
        this.keep(chunk, 0, 0)
        return
      }
      const head = chunk.toString('latin1', 0, end)
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0)
      if (status !== 101) {
        const body = chunk.toString('utf8', end + 4)
        const p = this.pending
        this.pending = null
        clearTimeout(this.timer)
        p?.reject(new UpgradeRefused(status, body))
        this.destroy()
        return
      }
      this.upgraded = true
      clearTimeout(this.timer)
      off = end + 4
      const p = this.pending
      this.pending = null
      p?.resolve(this)
    }
    const n = chunk.length
    for (;;) {
      const avail = n - off
      if (avail < 2) break
      const b0 = chunk[off]!
      const b1 = chunk[off + 1]!
      let len = b1 & 0x7f
      let hdr = 2
      if (len === 126) {
        if (avail < 4) break
        len = chunk.readUInt16BE(off + 2)
        hdr = 4
      } else if (len === 127) {
        if (avail < 10) break
        len = Number(chunk.readBigUInt64BE(off + 2))
        hdr = 10
      }
      if (b1 & 0x80) hdr += 4
      if (avail < hdr + len) {
        this.keep(chunk, off, hdr + len)
        return
      }
      this.frame(b0 & 0x0f, (b0 & 0x80) !== 0, chunk, off + hdr, off + hdr + len)
      off += hdr + len
      if (this.ended) return
    }
    this.keep(chunk, off, 0)
  }

  private keep(chunk: Buffer, off: number, need: number): void {
    if (off >= chunk.length) return
    this.parts = [Buffer.from(chunk.subarray(off))]
    this.pendingLen = chunk.length - off
    this.need = need
  }

  private frame(opcode: number, fin: boolean, b: Buffer, s: number, e: number): void {
    if (opcode === 0x0) {
      if (!this.fragments) return
      this.fragments.push(Buffer.from(b.subarray(s, e)))
      if (!fin) return
      const whole = Buffer.concat(this.fragments)
      this.fragments = null
      if (this.fragmentOpcode === 0x1) this.text(whole.toString('utf8'))
      return
    }
    if (opcode === 0x1 || opcode === 0x2) {
      if (!fin) {
        this.fragments = [Buffer.from(b.subarray(s, e))]
        this.fragmentOpcode = opcode
        return
      }
      if (opcode === 0x1) this.text(b.toString('utf8', s, e))
      return
    }
    if (opcode === 0x8) {
      this.closeCode = e - s >= 2 ? b.readUInt16BE(s) : 1005
      this.closeReason = e - s > 2 ? b.toString('utf8', s + 2, e) : ''
      try {
        this.sendFrame(0x8, b.subarray(s, Math.min(e, s + 2)))
      } catch {
        // gone
      }
      this.destroy()
      return
    }
    if (opcode === 0x9) this.sendFrame(0xa, b.subarray(s, e))
  }

  private text(t: string): void {
    this.received++
    this.events.onText?.(this, t)
  }

  private write(b: Buffer): void {
    if (this.ended || !this.socket) {
      if (!this.socket && !this.ended) this.out.push(b)
      return
    }
    if (this.out.length) {
      this.out.push(b)
      return
    }
    const n = this.socket.write(b)
    if (n < b.length) this.out.push(b.subarray(Math.max(0, n)))
  }

  /** @internal the socket is known once connected: send the upgrade request. */
  attach(s: Socket<RawWs>): void {
    this.socket = s
    this.write(Buffer.from(this.request))
  }
}
