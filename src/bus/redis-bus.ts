// The networked EventBus on Redis pub/sub: one Redis channel, publish on one connection, subscribe on a duplicate().
import type { RedisClient } from 'bun'
import { runEach, type BusMessage, type EventBus } from './event-bus.ts'
import { connectRedis } from './redis-client.ts'

/** How long ping() waits for Redis before answering false. */
const PING_MS = 1000

/**
 * Connects to `url` and follows the Redis channel `channel` (already prefixed). Rejects when Redis cannot be reached
 * within `timeoutMs`; after that, breaks are survived: the subscription is renewed on every reconnect.
 */
export async function openRedisBus(url: string, channel: string, timeoutMs = 5000): Promise<RedisBus> {
  const pub = await connectRedis(url, timeoutMs)
  const sub = await pub.duplicate()
  const bus = new RedisBus(pub, sub, channel)
  await bus.start()
  return bus
}

export class RedisBus implements EventBus {
  readonly kind = 'redis'
  private handlers: ((m: BusMessage) => void)[] = []
  private readonly reconnectHandlers = new Set<() => void>()
  private closed = false
  private readonly listener = (raw: string) => {
    const m = decode(raw)
    if (m) runEach(this.handlers, m)
  }

  constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    private readonly channel: string,
  ) {}

  async start(): Promise<void> {
    await this.sub.subscribe(this.channel, this.listener)
    // Bun reconnects the socket but not the subscription; renewing it with the same listener would add a second one
    this.sub.onconnect = () => void this.resubscribe()
  }

  publish(message: BusMessage): void {
    // at most once: while Redis is away the message is dropped (not queued); receivers recover it from the log
    if (this.closed || !this.pub.connected) return
    this.pub.publish(this.channel, encode(message)).catch(() => {})
  }

  subscribe(handler: (m: BusMessage) => void): () => void {
    this.handlers = [...this.handlers, handler]
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler)
    }
  }

  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler)
    return () => this.reconnectHandlers.delete(handler)
  }

  async ping(): Promise<boolean> {
    if (this.closed || !this.pub.connected || !this.sub.connected) return false
    const timeout = Bun.sleep(PING_MS).then(() => false)
    return Promise.race([
      this.pub.send('PING', []).then(
        () => true,
        () => false,
      ),
      timeout,
    ])
  }

  async close(): Promise<void> {
    this.closed = true
    this.handlers = []
    this.reconnectHandlers.clear()
    this.sub.onconnect = null
    this.sub.close()
    this.pub.close()
  }

  private async resubscribe(): Promise<void> {
    if (this.closed) return
    try {
      await this.sub.unsubscribe(this.channel)
      await this.sub.subscribe(this.channel, this.listener)
    } catch {
      return // dropped again: the next onconnect renews it
    }
    runEach(this.reconnectHandlers, undefined)
  }
}

/** `[channel, type, seq, origin]` as JSON, a newline, then the frame as is (JSON text never holds a raw newline). */
export function encode(m: BusMessage): string {
  return `${JSON.stringify([m.channel, m.type, m.seq ?? null, m.origin ?? null])}\n${m.frame}`
}

export function decode(raw: string): BusMessage | null {
  const nl = raw.indexOf('\n')
  if (nl < 0) return null
  try {
    const [channel, type, seq, origin] = JSON.parse(raw.slice(0, nl)) as [string, string, number | null, string | null]
    if (typeof channel !== 'string' || typeof type !== 'string') return null
    const m: BusMessage = { channel, type, frame: raw.slice(nl + 1) }
    if (typeof seq === 'number') m.seq = seq
    if (typeof origin === 'string') m.origin = origin
    return m
  } catch {
    return null // not ours (another program on the same channel): ignore
  }
}
