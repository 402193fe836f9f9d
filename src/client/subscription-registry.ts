// The client's channels: subscribe, re-subscribe with `since` on every new socket, retries, revocation, unsubscribe.
import type { Emitter } from './emitter.ts'
import { type CchubError, PERMANENT_CODES } from './errors.ts'
import type { Outbox } from './outbox.ts'
import { ChannelSubscription, type HandlerEntry } from './subscription.ts'
import type {
  ChannelMessage,
  ClientEvents,
  MessageHandler,
  SubscribeOptions,
  SubscribeReply,
  Subscription,
} from './types.ts'

/** What the registry needs to know about the connection: the current socket, and whether it can carry requests. */
export interface SubscriptionLink {
  readonly socket: WebSocket | null
  isOpen(): boolean
}

export interface RegistryDeps {
  link: SubscriptionLink
  outbox: Outbox
  events: Emitter<ClientEvents>
  /** Reports an error thrown by an application handler. */
  report: (err: unknown) => void
  requestTimeoutMs: () => number
}

export class SubscriptionRegistry {
  private readonly subs = new Map<string, ChannelSubscription>()

  constructor(private readonly deps: RegistryDeps) {}

  get size(): number {
    return this.subs.size
  }

  /** Frames dropped as already seen, over all channels. */
  get duplicates(): number {
    let duplicates = 0
    for (const s of this.subs.values()) duplicates += s.duplicates
    return duplicates
  }

  add<D>(channel: string, handler: MessageHandler<D>, opts: SubscribeOptions): Subscription {
    let sub = this.subs.get(channel)
    if (!sub) {
      sub = new ChannelSubscription(channel, opts.since, this.deps.report)
      this.subs.set(channel, sub)
      if (this.deps.link.isOpen()) this.send(sub)
    }
    const entry: HandlerEntry = { fn: handler as MessageHandler, opts }
    sub.handlers.add(entry)
    const owner = sub
    return Object.assign(() => this.remove(owner, entry), { channel, ready: sub.ready })
  }

  lastSeq(channel: string): number | undefined {
    return this.subs.get(channel)?.lastSeq
  }

  receive(msg: ChannelMessage): void {
    this.subs.get(msg.channel)?.receive(msg)
  }

  /** A new socket is authenticated: every channel subscribes again, from its last seq. */
  resubscribeAll(): void {
    for (const sub of this.subs.values()) this.send(sub)
  }

  /** The socket is gone: subscribes in flight on it will never be answered. */
  interruptAll(): void {
    for (const sub of this.subs.values()) sub.interrupt()
  }

  /** The server ended a subscription (`unsubscribed`): it is forgotten, and its handlers hear why. */
  revoke(channel: string, data: unknown): void {
    const sub = this.subs.get(channel)
    if (!sub) return
    this.subs.delete(channel)
    sub.revoked(String((data as { reason?: unknown } | null)?.reason ?? 'no reason given'))
  }

  private send(sub: ChannelSubscription): void {
    sub.begin()
    const ws = this.deps.link.socket
    this.deps.outbox.request('subscribe', sub.request(), 0).then(
      (reply) => sub.accept(reply as SubscribeReply),
      (err: CchubError) => this.onFailed(ws, sub, err),
    )
  }

  private onFailed(ws: WebSocket | null, sub: ChannelSubscription, err: CchubError): void {
    if (err.code === 'DISCONNECTED' || err.code === 'CLOSED') return
    if (PERMANENT_CODES.has(err.code)) {
      if (this.subs.get(sub.channel) === sub) this.subs.delete(sub.channel)
      return sub.fail(err)
    }
    // transient (rate limited, internal error): try again on this socket a little later
    sub.interrupt()
    this.deps.events.emit('error', err)
    sub.retryTimer = setTimeout(() => {
      if (ws === this.deps.link.socket && this.deps.link.isOpen() && this.subs.get(sub.channel) === sub) this.send(sub)
    }, 1_000)
  }

  private remove(sub: ChannelSubscription, entry: HandlerEntry): void {
    if (!sub.handlers.delete(entry) || sub.handlers.size > 0) return
    clearTimeout(sub.retryTimer)
    if (this.subs.get(sub.channel) !== sub) return
    this.subs.delete(sub.channel)
    if (this.deps.link.isOpen())
      this.deps.outbox.request('unsubscribe', { channel: sub.channel }, this.deps.requestTimeoutMs()).catch(() => {})
  }
}
