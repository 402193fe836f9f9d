// TypeBox schemas of the WebSocket protocol: the envelope, every client message and the server replies.
import { Type as T, type Static, type TSchema } from '@sinclair/typebox'

const Id = T.Union([T.String({ maxLength: 128 }), T.Number()], {
  description: 'Client request id, echoed in the one reply',
})
/** A client message: `type`, optional request `id` and `channel`, the `data` schema, and any extra top-level fields. */
export const clientMessage = <D extends TSchema>(type: string, data: D, extra: Record<string, TSchema> = {}) =>
  T.Object({
    type: T.Literal(type),
    id: T.Optional(Id),
    channel: T.Optional(T.String({ maxLength: 80 })),
    data,
    timestamp: T.Optional(T.Unknown()),
    ...extra,
  })

export const AuthMessage = clientMessage(
  'auth',
  T.Object({ token: T.Optional(T.String({ maxLength: 8192 })), apiKey: T.Optional(T.String({ maxLength: 8192 })) }),
)
export const PingMessage = clientMessage('ping', T.Optional(T.Object({ timestamp: T.Optional(T.Number()) })))
export const SubscribeMessage = clientMessage(
  'subscribe',
  T.Optional(
    T.Object({
      since: T.Optional(
        T.Integer({ minimum: 0, description: 'Last seq seen on this channel; everything after it is replayed first' }),
      ),
      channel: T.Optional(T.String({ maxLength: 80 })),
      taskId: T.Optional(T.String({ maxLength: 64, description: 'seed-003 form: same as channel task:<taskId>' })),
    }),
  ),
)
export const UnsubscribeMessage = clientMessage(
  'unsubscribe',
  T.Optional(
    T.Object({ channel: T.Optional(T.String({ maxLength: 80 })), taskId: T.Optional(T.String({ maxLength: 64 })) }),
  ),
)

/**
 * Every envelope a client sends has at least these. `payload` is accepted as an alias of `data` (docs/protocol.md, seed
 * 003 style clients).
 */
export const ClientEnvelope = T.Object({
  type: T.String({ minLength: 1, maxLength: 64 }),
  id: T.Optional(Id),
  channel: T.Optional(T.String()),
  data: T.Optional(T.Unknown()),
})
export type ClientEnvelope = Static<typeof ClientEnvelope>

export const ErrorData = T.Object({
  code: T.String(),
  message: T.String(),
  details: T.Optional(T.Record(T.String(), T.Unknown())),
})
export const ServerEnvelope = T.Object({
  type: T.String({ description: 'connected | success | error | pong | unsubscribed | any channel message type' }),
  id: T.Optional(Id),
  channel: T.Optional(T.String()),
  seq: T.Optional(T.Integer({ minimum: 1 })),
  data: T.Unknown(),
  timestamp: T.String({ format: 'date-time' }),
})
export type ServerEnvelope = Static<typeof ServerEnvelope>

/** Close codes the server uses, besides 1000, 1001 (shutdown), 1009 (frame too big) and 1011. */
export const CloseCode = {
  POLICY: 1008,
  AUTH_FAILED: 4001,
  TOKEN_REVOKED: 4002,
  USER_DISABLED: 4003,
  TOKEN_EXPIRED: 4004,
  TOO_MANY_CONNECTIONS: 4029,
  IDLE: 4008,
} as const

export const WsStats = T.Object(
  {
    connections: T.Object({
      total: T.Integer(),
      authenticated: T.Integer(),
      per_user: T.Record(T.String(), T.Integer()),
    }),
    subscriptions: T.Record(T.String(), T.Integer(), { description: 'Subscribers per channel' }),
    messages: T.Object({ in: T.Integer(), out: T.Integer(), published: T.Integer() }),
    drops: T.Object({ backpressure_closes: T.Integer(), rate_limited: T.Integer(), invalid: T.Integer() }),
    replays: T.Object({
      requests: T.Integer(),
      events: T.Integer(),
      active: T.Integer({ description: 'Replays reading the store now' }),
      waiting: T.Integer({ description: 'Replays waiting for a slot (CCHUB_WS_REPLAY_CONCURRENCY)' }),
    }),
    event_log: T.Object({ appended: T.Integer(), batches: T.Integer() }),
  },
  { title: 'WsStats' },
)
