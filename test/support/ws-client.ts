// Test WebSocket client: connect, collect every message, wait for one (next), request/reply by id, and the close event.
export interface WsMsg {
  type: string
  id?: string | number
  channel?: string
  seq?: number
  data: any
  timestamp?: string
}

/** Upgrade headers, and the subprotocols to offer (a dialect's `cchub.<name>`). */
export interface ConnectOptions {
  headers?: Record<string, string>
  protocols?: string[]
}

export interface CloseInfo {
  code: number
  reason: string
}

import { waitFor } from './wait.ts'

let nextRequestId = 0

export class WsClient {
  readonly ws: WebSocket
  /** Every message received, parsed, in arrival order. */
  readonly messages: WsMsg[] = []
  /** Raw frames that were not JSON (should never happen). */
  readonly garbage: string[] = []
  /** Resolves on open; rejects (with the close info) when the socket closes or errors before opening. */
  readonly opened: Promise<void>
  /** Resolves once the socket is closed, with the close code and reason. */
  readonly closed: Promise<CloseInfo>
  isOpen = false
  isClosed = false
  closeInfo: CloseInfo | null = null
  /** Called for every parsed message, after it is stored. */
  onMessage: ((m: WsMsg) => void) | null = null
  private readonly taken = new Set<number>()
  private waiters: { pred: (m: WsMsg) => boolean; resolve: (m: WsMsg) => void }[] = []

  constructor(url: string, opts: ConnectOptions = {}) {
    const { headers, protocols } = opts
    this.ws = headers || protocols ? new WebSocket(url, { headers, protocols } as never) : new WebSocket(url)
    let resolveClosed!: (c: CloseInfo) => void
    this.closed = new Promise((r) => (resolveClosed = r))
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener('open', () => {
        this.isOpen = true
        resolve()
      })
      this.ws.addEventListener('close', (ev) => {
        this.isClosed = true
        this.closeInfo = { code: ev.code, reason: ev.reason }
        resolveClosed(this.closeInfo)
        reject(
          Object.assign(new Error(`socket closed before opening (${ev.code} ${ev.reason})`), { close: this.closeInfo }),
        )
      })
    })
    this.opened.catch(() => {})
    this.ws.addEventListener('message', (ev) => {
      const text = typeof ev.data === 'string' ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer)
      let m: WsMsg
      try {
        m = JSON.parse(text)
      } catch {
        this.garbage.push(text)
        return
      }
      const index = this.messages.push(m) - 1
      this.onMessage?.(m)
      const w = this.waiters.find((w) => w.pred(m))
      if (w) {
        this.taken.add(index)
        this.waiters = this.waiters.filter((x) => x !== w)
        w.resolve(m)
      }
    })
  }

  /** Opens a socket and waits for it to be open (throws if the upgrade is refused). */
  static async connect(
    url: string,
    opts: { headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<WsClient> {
    const c = new WsClient(url, opts)
    await withTimeout(c.opened, opts.timeoutMs ?? 3000, `open ${url}`)
    return c
  }

  /**
   * The first message matching `pred` not yet returned by an earlier next()/request(), waiting up to `timeoutMs`.
   * Messages that arrived before the call count too.
   */
  next(pred: (m: WsMsg) => boolean = () => true, timeoutMs = 3000): Promise<WsMsg> {
    for (let i = 0; i < this.messages.length; i++) {
      if (!this.taken.has(i) && pred(this.messages[i]!)) {
        this.taken.add(i)
        return Promise.resolve(this.messages[i]!)
      }
    }
    let waiter!: { pred: (m: WsMsg) => boolean; resolve: (m: WsMsg) => void }
    const p = new Promise<WsMsg>((resolve) => {
      waiter = { pred, resolve }
      this.waiters.push(waiter)
    })
    return withTimeout(p, timeoutMs, `next message (got ${this.messages.length}: ${this.tail()})`).finally(() => {
      this.waiters = this.waiters.filter((x) => x !== waiter)
    })
  }

  /** Sends a frame: an object is JSON-encoded, a string goes as is. */
  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' || msg instanceof Uint8Array ? msg : JSON.stringify(msg))
  }

  /** Sends `msg` with an id (one is assigned if missing) and resolves with the one reply carrying that id. */
  async request(msg: Record<string, unknown>, timeoutMs = 3000): Promise<WsMsg> {
    const id = msg.id ?? `r${++nextRequestId}`
    const reply = this.next((m) => m.id === id, timeoutMs)
    this.send({ ...msg, id })
    return reply
  }

  /** Subscribes and fails unless the reply is a success; returns the reply data. */
  async subscribe(channel: string, since?: number, timeoutMs = 5000): Promise<any> {
    const r = await this.request(
      { type: 'subscribe', channel, ...(since === undefined ? {} : { data: { since } }) },
      timeoutMs,
    )
    if (r.type !== 'success') throw new Error(`subscribe ${channel} failed: ${JSON.stringify(r.data)}`)
    return r.data
  }

  /** Messages of one channel (those carrying a seq), in arrival order. */
  channelMessages(channel: string): WsMsg[] {
    return this.messages.filter((m) => m.channel === channel && m.seq !== undefined)
  }

  /** Waits until `pred` holds (polling), or throws after `timeoutMs`. */
  async until(pred: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
    await waitFor(pred, timeoutMs, () => `${what} (messages: ${this.messages.length})`)
  }

  /** Closes (if still open) and waits for the close event, at most `timeoutMs`. */
  async close(code = 1000, timeoutMs = 2000): Promise<void> {
    if (!this.isClosed) {
      try {
        this.ws.close(code)
      } catch {
        // not open yet or already closing
      }
    }
    await Promise.race([this.closed, Bun.sleep(timeoutMs)])
    if (!this.isClosed) this.terminate()
  }

  /** Drops the TCP connection without a close handshake (the server sees 1006). */
  terminate(): void {
    ;(this.ws as WebSocket & { terminate?: () => void }).terminate?.()
  }

  private tail(): string {
    return JSON.stringify(this.messages.slice(-3)).slice(0, 400)
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>
  return Promise.race([
    p,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer))
}

export { waitFor }

/** Tracks clients so afterEach can close them all. */
export class ClientPool {
  private readonly clients = new Set<WsClient>()

  async connect(url: string, opts: ConnectOptions & { timeoutMs?: number } = {}): Promise<WsClient> {
    const c = new WsClient(url, opts)
    this.clients.add(c)
    await withTimeout(c.opened, opts.timeoutMs ?? 3000, `open ${url}`)
    return c
  }

  /** A client that is tracked but not awaited (for sockets expected to fail to open). */
  open(url: string, opts: ConnectOptions = {}): WsClient {
    const c = new WsClient(url, opts)
    this.clients.add(c)
    return c
  }

  async closeAll(): Promise<void> {
    const all = [...this.clients]
    this.clients.clear()
    await Promise.all(all.map((c) => c.close()))
  }
}
