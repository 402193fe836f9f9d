// A CC-Anywhere client written from seed 003 (and the behaviour of its browser client): auth, subscribe, heartbeats.
import { waitFor } from '../support/wait.ts'

export interface Frame {
  type: string
  payload?: any
  [k: string]: unknown
}

/**
 * Sends `{"type":"auth","payload":{"apiKey"}}` on open; queues subscriptions until `auth:success`; answers a server
 * `heartbeat` with one (unless `silent`); unsubscribes after `task:completed`, as CC-Anywhere's client does.
 */
export class CcAnywhereClient {
  readonly ws: WebSocket
  readonly frames: Frame[] = []
  readonly opened: Promise<void>
  closed: { code: number; reason: string } | null = null
  authenticated = false
  silent = false
  private queue: Frame[] = []
  private seen = 0

  constructor(url: string, apiKey: string | null, protocols?: string[]) {
    this.ws = new WebSocket(url, protocols)
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => {
        if (apiKey !== null) this.ws.send(JSON.stringify({ type: 'auth', payload: { apiKey } }))
        resolve()
      }
      this.ws.onerror = () => reject(new Error('socket failed'))
    })
    this.ws.onclose = (e) => {
      this.closed = { code: e.code, reason: e.reason }
    }
    this.ws.onmessage = (e) => this.handle(JSON.parse(String(e.data)))
  }

  private handle(m: Frame): void {
    this.frames.push(m)
    if (m.type === 'auth:success') {
      this.authenticated = true
      for (const q of this.queue.splice(0)) this.send(q)
    } else if (m.type === 'heartbeat' && !this.silent) this.send({ type: 'heartbeat' })
    else if (m.type === 'task:completed') this.send({ type: 'unsubscribe', payload: { taskId: m.payload.taskId } })
  }

  send(m: Frame): void {
    if (m.type !== 'auth' && m.type !== 'heartbeat' && !this.authenticated) this.queue.push(m)
    else this.ws.send(JSON.stringify(m))
  }

  subscribe(taskId: string): void {
    this.send({ type: 'subscribe', payload: { taskId } })
  }

  /** The next frame after those already taken by next() that matches, waiting for it. */
  async next(pred: (m: Frame) => boolean, what: string, timeoutMs = 3000): Promise<Frame> {
    let found: Frame | undefined
    await waitFor(
      () => {
        const i = this.frames.findIndex((m, j) => j >= this.seen && pred(m))
        if (i < 0) return false
        found = this.frames[i]
        this.seen = i + 1
        return true
      },
      timeoutMs,
      () => `${what} (got ${JSON.stringify(this.frames).slice(0, 2000)})`,
    )
    return found!
  }

  async closedWith(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed !== null, timeoutMs, 'the socket to close')
    return this.closed!
  }

  of(taskId: string, type: string): Frame[] {
    return this.frames.filter((m) => m.type === type && m.payload?.taskId === taskId)
  }
}
