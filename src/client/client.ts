// CchubClient: one logical connection to /ws that authenticates, re-subscribes and resumes by seq across reconnects.
import { Connection } from './connection.ts'
import { Emitter } from './emitter.ts'
import { CchubError, toError } from './errors.ts'
import { frameKind } from './frames.ts'
import { Outbox, type RequestMessage } from './outbox.ts'
import { SubscriptionRegistry } from './subscription-registry.ts'
import { ChunkedUpload } from './upload.ts'
import type {
  CchubClientOptions,
  ChannelMessage,
  ClientEvents,
  ConnectionState,
  FileData,
  MessageHandler,
  PublicUser,
  ReplyMap,
  ServerMessage,
  SubscribeOptions,
  Subscription,
  UploadOptions,
  WebSocketConstructor,
} from './types.ts'

export type { RequestMessage } from './outbox.ts'

export class CchubClient {
  private readonly opts: CchubClientOptions
  private readonly events = new Emitter<ClientEvents>((err, event) => {
    if (event !== 'error') this.reportLater(err)
  })
  private readonly outbox: Outbox
  private readonly connection: Connection
  private readonly subs: SubscriptionRegistry

  /** Id the server gave the current socket (in its logs and /api/v1/ws/stats). */
  connectionId: string | null = null
  user: PublicUser | null = null
  /** Round trip of the last app-level ping, in ms. */
  lastRttMs: number | null = null

  constructor(options: CchubClientOptions) {
    if (!options.token && !options.tokenProvider) throw new TypeError('CchubClient needs a token or a tokenProvider')
    this.opts = options
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (!WS) throw new TypeError('No WebSocket available: pass options.WebSocket')
    this.outbox = new Outbox(
      options.rateLimit === undefined ? { perSecond: 8, burst: 16 } : options.rateLimit,
      () => this.connection.socket,
    )
    this.connection = new Connection({
      opts: options,
      WS,
      events: this.events,
      outbox: this.outbox,
      info: this,
      hooks: {
        frame: (msg) => this.route(msg),
        opened: () => this.subs.resubscribeAll(),
        lost: () => this.subs.interruptAll(),
      },
    })
    this.subs = new SubscriptionRegistry({
      link: this.connection,
      outbox: this.outbox,
      events: this.events,
      report: (err) => this.reportLater(err),
      requestTimeoutMs: () => this.defaultTimeoutMs(),
    })
  }

  get state(): ConnectionState {
    return this.connection.state
  }

  /** Counters for monitoring; `duplicatesDropped` stays 0 unless the server broke its no-duplicate guarantee. */
  get stats() {
    return {
      reconnects: this.connection.reconnects,
      duplicatesDropped: this.subs.duplicates,
      subscriptions: this.subs.size,
    }
  }

  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    return this.events.on(event, listener)
  }

  /** Starts connecting (and reconnecting); resolves once authenticated, rejects only if the client gives up. */
  connect(): Promise<void> {
    this.connection.start()
    return this.connection.whenOpen(0)
  }

  /**
   * Stops for good: no more reconnects, waiting requests reject with CLOSED. Subscriptions are kept for a later
   * connect().
   */
  close(): Promise<void> {
    return this.connection.stop()
  }

  /** Sends one request and resolves with the `data` of its `success` (or `pong`) reply; rejects with a CchubError. */
  request<K extends keyof ReplyMap>(
    type: K,
    message?: RequestMessage,
    opts?: { timeoutMs?: number },
  ): Promise<ReplyMap[K]>
  request<T = unknown>(type: string, message?: RequestMessage, opts?: { timeoutMs?: number }): Promise<T>
  async request(type: string, message: RequestMessage = {}, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs()
    const deadline = Date.now() + timeoutMs
    // re-checked after waking: the socket may have dropped again between the open and this continuation
    while (!this.connection.isOpen()) await this.connection.whenOpen(Math.max(1, deadline - Date.now()))
    return this.outbox.request(type, message, Math.max(1, deadline - Date.now()))
  }

  /** Fire-and-forget frame (no id, so no reply); false when not connected. */
  send(type: string, message: RequestMessage = {}): boolean {
    if (!this.connection.isOpen()) return false
    this.outbox.send({ type, ...message })
    return true
  }

  /**
   * Uploads a file in chunks (upload_start / upload_chunk); across dropped sockets it asks upload_status and sends only
   * the chunks the server is missing. Resolves with the stored file.
   */
  upload(data: Blob | Uint8Array, options: UploadOptions): Promise<FileData> {
    return new ChunkedUpload((type, msg, o) => this.request(type, msg, o), data, options).run()
  }

  /**
   * Calls `handler` for every message on `channel`, in seq order, each once, across reconnects.
   * `opts.since` resumes after a seq seen earlier (only when this client does not hold the channel yet).
   */
  subscribe<D = unknown>(channel: string, handler: MessageHandler<D>, opts: SubscribeOptions = {}): Subscription {
    return this.subs.add(channel, handler, opts)
  }

  /** Last seq delivered on a durable channel; persist it to resume with `since` after a page reload. */
  lastSeq(channel: string): number | undefined {
    return this.subs.lastSeq(channel)
  }

  private defaultTimeoutMs(): number {
    return this.opts.requestTimeoutMs ?? 10_000
  }

  /** Every frame but `connected`, which the connection handles itself. */
  private route(msg: ServerMessage): void {
    const kind = frameKind(msg)
    if (kind === 'reply') this.onReply(msg)
    else if (kind === 'error') this.events.emit('error', CchubError.fromData(msg.data))
    else if (kind === 'revoked') this.subs.revoke(msg.channel!, msg.data)
    else if (kind === 'channel') this.subs.receive(msg as ChannelMessage)
  }

  private onReply(msg: ServerMessage): void {
    const orphan = this.outbox.settle(msg)
    if (orphan) this.events.emit('error', orphan)
  }

  /** Errors thrown by application callbacks surface as 'error' events, outside the frame being handled. */
  private reportLater(err: unknown): void {
    const error = toError(err)
    queueMicrotask(() => this.events.emit('error', error))
  }
}
