// One SSE stream as the gateway sees it: registered like a socket, so caps and revocations reach it; ends on close().
import type { Principal } from '../auth/service.ts'
import { message } from './envelope.ts'
import { CloseCode } from './model.ts'
import type { LiveStream } from './streams.ts'

type Send = (type: string, frame: string) => void

export class SseStream implements LiveStream {
  readonly channels: Set<string>
  expiryTimer: ReturnType<typeof setTimeout> | undefined
  private wire: { send: Send; stop: () => void } | null = null
  private closedWith: { code: number; reason: string } | null = null

  constructor(
    readonly principal: Principal,
    channels: string[],
  ) {
    this.channels = new Set(channels)
  }

  get closed(): boolean {
    return this.closedWith !== null
  }

  /** Connects the response once its body has started; a close that came first ends it at once. */
  attach(send: Send, stop: () => void): void {
    this.wire = { send, stop }
    if (this.closedWith) this.end()
  }

  /** Ends the stream with a last `closed` event giving the same code and reason a socket would get. */
  close(code: number, reason: string): void {
    if (this.closedWith) return
    this.closedWith = { code, reason }
    if (this.wire) this.end()
  }

  /** Access to one channel is gone: it gets no more events, the client is told, and a stream left with none ends. */
  drop(channel: string): void {
    if (!this.channels.delete(channel)) return
    this.wire?.send('unsubscribed', message('unsubscribed', { reason: 'access revoked' }, { channel }))
    if (!this.channels.size) this.close(CloseCode.POLICY, 'access revoked')
  }

  private end(): void {
    this.wire!.send('closed', message('closed', this.closedWith))
    this.wire!.stop()
  }
}
