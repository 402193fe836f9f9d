// The socket itself, one at a time: opened with a fresh token per attempt, dropped without waiting for a dead peer.
import { CLIENT_ABANDONED } from './close-codes.ts'
import { CchubError, toError } from './errors.ts'
import { closeQuietly, OPEN, onceClosed } from './socket.ts'
import type { CchubClientOptions, WebSocketConstructor } from './types.ts'
import { socketUrl } from './url.ts'

/** What the transport reports; never about a socket or an attempt that has been replaced. */
export interface TransportHooks {
  frame(ws: WebSocket, raw: unknown): void
  /** The current socket closed or was dropped; `socket` is already null. */
  closed(code: number, reason: string): void
  /** An attempt ended without a socket: the token provider or the WebSocket constructor failed. */
  failed(err: Error, reason: string): void
}

export class Transport {
  private ws: WebSocket | null = null
  /** Bumped by every attempt and by close(), so a late token or socket from an older attempt is ignored. */
  private generation = 0
  private connectTimer: ReturnType<typeof setTimeout> | undefined
  private token = ''

  constructor(
    private readonly opts: CchubClientOptions,
    private readonly WS: WebSocketConstructor,
    private readonly hooks: TransportHooks,
  ) {}

  get socket(): WebSocket | null {
    return this.ws
  }

  /** Token of the socket being opened, sent in its auth message when it did not authenticate by query. */
  get pendingToken(): string {
    return this.token
  }

  async attempt(): Promise<void> {
    const generation = ++this.generation
    let token: string
    try {
      token = await this.fetchToken()
    } catch (err) {
      if (generation !== this.generation) return
      return this.hooks.failed(toError(err), 'token provider failed')
    }
    if (generation !== this.generation) return
    this.open(token)
  }

  /** The handshake finished, so the connect timeout no longer applies. */
  handshakeDone(): void {
    clearTimeout(this.connectTimer)
  }

  /**
   * Drops the current socket and voids a pending attempt; resolves once the socket is closed, null when there was none.
   */
  close(): Promise<void> | null {
    this.generation++
    const ws = this.ws
    if (!ws) return null
    const closed = ws.readyState <= OPEN ? onceClosed(ws) : Promise.resolve()
    this.drop(ws, 1000, 'client closed')
    return closed
  }

  /**
   * Gives up on a socket that cannot be trusted (timeouts): no waiting for a close handshake a dead peer never sends.
   */
  abandon(reason: string): void {
    if (this.ws) this.drop(this.ws, CLIENT_ABANDONED, reason)
  }

  drop(ws: WebSocket, code: number, reason: string): void {
    closeQuietly(ws, code, reason)
    this.onClose(ws, code, reason)
  }

  private async fetchToken(): Promise<string> {
    const token = this.opts.tokenProvider ? await this.opts.tokenProvider() : this.opts.token
    if (!token) throw new CchubError('AUTH_FAILED', 'The token provider returned no token')
    return token
  }

  private open(token: string): void {
    let ws: WebSocket
    try {
      ws = new this.WS(socketUrl(this.opts.url, this.opts.authMode === 'query' ? token : undefined))
    } catch (err) {
      return this.hooks.failed(toError(err), 'could not create socket')
    }
    this.ws = ws
    this.connectTimer = setTimeout(() => this.abandon('connect timeout'), this.opts.connectTimeoutMs ?? 10_000)
    ws.onmessage = (e: MessageEvent) => {
      if (ws === this.ws) this.hooks.frame(ws, e.data)
    }
    ws.onclose = (e: CloseEvent) => this.onClose(ws, e.code, e.reason)
    ws.onerror = () => {} // a close event always follows and carries the code
    this.token = token
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return
    this.ws = null
    clearTimeout(this.connectTimer)
    this.hooks.closed(code, reason)
  }
}
