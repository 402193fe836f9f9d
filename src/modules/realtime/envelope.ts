// The one builder of the wire envelope (model.ts's ServerEnvelope): {type, id?, channel?, seq?, data, timestamp}.
import { iso } from '../../core/iso.ts'

export interface EnvelopeAt {
  /** The client request id it answers. */
  id?: string | number
  channel?: string
  seq?: number
  /** Epoch ms of the message; now by default. */
  ts?: number
}

/** `dataJson` is already JSON text, so stored events are framed without a re-parse (the channel log's hot path). */
export function envelope(type: string, dataJson: string, at: EnvelopeAt = {}): string {
  const id = at.id === undefined ? '' : `,"id":${JSON.stringify(at.id)}`
  const channel = at.channel ? `,"channel":${JSON.stringify(at.channel)}` : ''
  const seq = at.seq === undefined ? '' : `,"seq":${at.seq}`
  return `{"type":${JSON.stringify(type)}${id}${channel}${seq},"data":${dataJson},"timestamp":"${iso(at.ts ?? Date.now())}"}`
}

/** A frame of a live (seq-less) message: replies, pongs, relays, `unsubscribed`. */
export const message = (type: string, data: unknown, at?: EnvelopeAt): string =>
  envelope(type, JSON.stringify(data ?? null), at)

/** The one answer to a client request (`success` or `error`), or a server notice without an id (`connected`). */
export const reply = (type: string, id: string | number | undefined, data: unknown): string =>
  message(type, data, { id })
