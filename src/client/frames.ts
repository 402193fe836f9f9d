// Incoming frames: the JSON envelope check, and which part of the client each kind of frame is meant for.
import type { ServerMessage } from './types.ts'

// with an id, upload_progress and file_uploaded answer an upload_chunk (without one they are not replies)
const REPLY_TYPES = new Set(['success', 'error', 'pong', 'upload_progress', 'file_uploaded'])
const CONTROL_TYPES = new Set(['connected', 'success', 'error', 'pong', 'unsubscribed'])

/**
 * `reply` answers a request by id, `error` has no request to reject, `revoked` ends a subscription, `channel` is
 * published data.
 */
export type FrameKind = 'connected' | 'reply' | 'error' | 'revoked' | 'channel' | 'other'

export function parseFrame(raw: unknown): ServerMessage | null {
  if (typeof raw !== 'string') return null
  try {
    const msg = JSON.parse(raw) as ServerMessage
    return msg && typeof msg === 'object' && typeof msg.type === 'string' ? msg : null
  } catch {
    return null
  }
}

export function frameKind(msg: ServerMessage): FrameKind {
  if (msg.type === 'connected') return 'connected'
  if (msg.id !== undefined && REPLY_TYPES.has(msg.type)) return 'reply'
  if (msg.type === 'error') return 'error'
  if (msg.type === 'unsubscribed' && msg.channel) return 'revoked'
  if (msg.channel && !CONTROL_TYPES.has(msg.type)) return 'channel'
  return 'other'
}
