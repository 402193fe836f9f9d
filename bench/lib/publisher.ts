// The publishing loop all servers under test share: round-robin over channels, paced or as fast as the sockets drain.
import { now } from './control.ts'

// The publish time is stamped into each payload (for publish-to-receive latency).

export interface PublishSpec {
  channels: string[]
  count: number
  /** Length of the payload's padding string (the frame is ~170 bytes longer). */
  bytes: number
  /** Messages per second in total; 0 = as fast as the sockets drain. */
  rate: number
  /** Pause publishing while any socket has more than this many bytes queued (fast mode). */
  maxBuffered?: number
  /** Emits in flight at most (cchub: not yet stored); 0 = unlimited. */
  window?: number
  /**
   * Paced mode: when the publisher falls behind by more than this many ms of messages, the backlog is skipped instead
   * of published in one burst (an offered load, like many independent producers); 0 = always catch up.
   */
  maxBurstMs?: number
  /** Yield to the event loop (sockets drain, cchub's log flushes a batch) every this many publishes (fast mode). */
  yieldEvery?: number
  type?: string
}

export interface Sink {
  /** Publishes one message; a promise means "acknowledged when it resolves". */
  emit(channel: string, type: string, data: { i: number; t: number; pad: string }): Promise<unknown> | void
  /** Largest send buffer among the subscribers, bytes. */
  maxBuffered(): number
}

export interface PublishResult {
  published: number
  /** Paced mode with maxBurstMs: messages not offered because the publisher was starved. */
  skipped: number
  /** From the first publish to the last publish call. */
  publish_ms: number
  /** From the first publish until every publish was acknowledged (durable stores). */
  ack_ms: number
  paused_ms: number
}

const tick = () => new Promise<void>((r) => setImmediate(r))

export async function publish(spec: PublishSpec, sink: Sink): Promise<PublishResult> {
  const pad = 'x'.repeat(spec.bytes)
  const type = spec.type ?? 'bench'
  const n = spec.channels.length
  const maxBuffered = spec.maxBuffered ?? 1 << 20
  const window = spec.window ?? 2048
  const yieldEvery = spec.yieldEvery ?? 32
  let inflight: Promise<unknown>[] = []
  let paused = 0
  const t0 = now()
  const emitOne = (i: number) => {
    const p = sink.emit(spec.channels[i % n]!, type, { i, t: now(), pad })
    if (p) inflight.push(p)
  }
  let skipped = 0
  if (spec.rate > 0) {
    const maxBurst = spec.maxBurstMs ? Math.max(1, Math.ceil((spec.rate * spec.maxBurstMs) / 1000)) : Infinity
    let i = 0
    while (i < spec.count) {
      const due = Math.min(spec.count, Math.floor(((now() - t0) * spec.rate) / 1000) + 1)
      if (due - i > maxBurst) {
        skipped += due - i - maxBurst
        i = due - maxBurst
      }
      while (i < due) emitOne(i++)
      if (inflight.length > 4096) {
        await Promise.all(inflight)
        inflight = []
      }
      await Bun.sleep(1)
    }
  } else {
    for (let i = 0; i < spec.count; i++) {
      emitOne(i)
      if (window > 0 && inflight.length >= window) {
        await Promise.all(inflight)
        inflight = []
      }
      if (i % yieldEvery === yieldEvery - 1) {
        await tick()
        if (sink.maxBuffered() > maxBuffered) {
          const p0 = now()
          for (let w = 0; w < 30_000 && sink.maxBuffered() > maxBuffered / 2; w++) await Bun.sleep(1)
          paused += now() - p0
        }
      }
    }
  }
  const t1 = now()
  await Promise.all(inflight)
  const t2 = now()
  return { published: spec.count - skipped, skipped, publish_ms: t1 - t0, ack_ms: t2 - t0, paused_ms: paused }
}

/**
 * The envelope cchub puts on the wire (src/modules/realtime/envelope.ts), rebuilt by the peers so frames match byte for
 * byte in size.
 */
export function envelope(type: string, channel: string, seq: number, dataJson: string, ts: number): string {
  return `{"type":${JSON.stringify(type)},"channel":${JSON.stringify(channel)},"seq":${seq},"data":${dataJson},"timestamp":"${new Date(ts).toISOString()}"}`
}
