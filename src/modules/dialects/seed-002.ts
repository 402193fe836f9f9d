// Seed 002 (aicli-web Claude API): on /ws/executions/:id, each CLI message as {type: "claude_message", data: <message>}.
import { Type as T, type Static } from '@sinclair/typebox'
import type { Dialect } from '../realtime/dialect.ts'
import type { ServerEnvelope } from '../realtime/model.ts'
import { writeFrames } from './shared.ts'

/** The seed's WebSocketMessage for one CLI message (plus the channel seq, to resume with `?since=`). */
export const ClaudeMessageFrame = T.Object({
  type: T.Literal('claude_message'),
  timestamp: T.String({ format: 'date-time' }),
  seq: T.Optional(T.Integer({ minimum: 1 })),
  data: T.Unknown({ description: 'The CLI stream-json message, untouched' }),
})
type ClaudeMessageFrame = Static<typeof ClaudeMessageFrame>

/**
 * Picked only by the subprotocol `cchub.seed-002`: the path is the `websocket_url` cchub's own clients use too, and
 * a seed-002 client sends nothing that could tell them apart (docs/protocol.md, seed 002). The client's frames are
 * cchub's protocol unchanged; of the server's, the CLI's messages (`event`, and each raw delta inside a coalesced
 * `stream`) become `claude_message`, everything else (status, prompt, replies) stays as cchub sends it.
 */
export const seed002: Dialect = {
  name: 'seed-002',
  open(io) {
    return {
      inbound: (frame) => io.dispatch(frame as Record<string, unknown>),
      outbound(env: ServerEnvelope) {
        const data = (env.data ?? {}) as { event?: unknown; events?: unknown[] }
        const messages = env.type === 'event' ? [data.event] : env.type === 'stream' ? (data.events ?? []) : null
        if (!messages) return writeFrames(io, [env])
        return writeFrames(
          io,
          messages.map(
            (m): ClaudeMessageFrame => ({ type: 'claude_message', timestamp: env.timestamp, seq: env.seq, data: m }),
          ),
        )
      },
    }
  },
}
