// Everything sent on the current socket: frames through the rate-limit throttle, requests matched to their one reply.
import { CchubError } from './errors.ts'
import { PendingRequests } from './pending.ts'
import { OPEN } from './socket.ts'
import { SendThrottle } from './throttle.ts'
import type { ServerMessage } from './types.ts'

export interface RequestMessage {
  channel?: string
  data?: unknown
}

export class Outbox {
  private readonly pending = new PendingRequests()
  private readonly throttle: SendThrottle

  constructor(
    rateLimit: { perSecond: number; burst: number } | null,
    private readonly socket: () => WebSocket | null,
  ) {
    this.throttle = new SendThrottle(rateLimit)
  }

  /** Sends a frame with a fresh id and resolves with its reply's data; timeoutMs 0 waits until a reply or reset(). */
  request(type: string, message: RequestMessage, timeoutMs: number): Promise<unknown> {
    const id = this.pending.nextId()
    const reply = this.pending.add(id, timeoutMs, type)
    this.send({ type, id, ...message })
    return reply
  }

  /**
   * The frame is bound to the socket current now: if another one replaced it before the throttle lets it out, it is
   * dropped.
   */
  send(frame: { type: string } & Record<string, unknown>): void {
    const ws = this.socket()
    // no `timestamp`: cchub ignores it, and a first frame with one is how seed-000 clients are told apart (dialects)
    const text = JSON.stringify(frame)
    this.throttle.run(() => {
      if (ws && ws === this.socket() && ws.readyState === OPEN) ws.send(text)
    })
  }

  /** Settles the request a reply answers; an error reply that no request waited for is returned, to be reported. */
  settle(msg: ServerMessage): CchubError | null {
    const result = msg.type === 'error' ? CchubError.fromData(msg.data) : { data: msg.data }
    return !this.pending.settle(String(msg.id), result) && result instanceof Error ? result : null
  }

  /** The socket is gone: queued frames are forgotten and nobody will answer the waiting requests. */
  reset(err: () => Error): void {
    this.throttle.reset()
    this.pending.rejectAll(err)
  }
}
