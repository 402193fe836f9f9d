// TypeBox schemas of seed 003's (CC-Anywhere's) WebSocket frames: `{type, payload}` both ways.
import { Type as T, type Static } from '@sinclair/typebox'

/** What a CC-Anywhere client sends: `auth`, `subscribe`, `unsubscribe`, `ping`, `heartbeat` (payload optional). */
export const Seed003ClientFrame = T.Object({
  type: T.String({ minLength: 1, maxLength: 64 }),
  payload: T.Optional(T.Unknown()),
})
export type Seed003ClientFrame = Static<typeof Seed003ClientFrame>

/** CC-Anywhere's task statuses; cchub's own status is kept in `metadata.cchubStatus`. */
export const Seed003Status = T.Union([
  T.Literal('pending'),
  T.Literal('running'),
  T.Literal('completed'),
  T.Literal('failed'),
  T.Literal('cancelled'),
])
export type Seed003Status = Static<typeof Seed003Status>

export const Seed003LogLevel = T.Union([
  T.Literal('debug'),
  T.Literal('info'),
  T.Literal('warning'),
  T.Literal('error'),
])
export type Seed003LogLevel = Static<typeof Seed003LogLevel>

export const TaskUpdatePayload = T.Object({
  taskId: T.String(),
  status: Seed003Status,
  timestamp: T.String({ format: 'date-time' }),
  metadata: T.Record(T.String(), T.Unknown()),
})
export const TaskLogPayload = T.Object({
  taskId: T.String(),
  log: T.String(),
  timestamp: T.String({ format: 'date-time' }),
  level: Seed003LogLevel,
})
export const TaskCompletedPayload = T.Object({
  taskId: T.String(),
  status: Seed003Status,
  timestamp: T.String({ format: 'date-time' }),
  result: T.Optional(T.String({ description: "Claude's final answer (the CLI's result text)" })),
  error: T.Optional(T.String()),
  metadata: T.Record(T.String(), T.Unknown()),
})
export const Seed003ErrorPayload = T.Object({
  message: T.String(),
  code: T.String(),
  details: T.Optional(T.Unknown()),
})

/** Every frame the server sends a seed-003 socket, by type. */
export const Seed003ServerFrame = T.Union([
  T.Object({ type: T.Literal('connection'), payload: T.Object({ message: T.String() }) }),
  T.Object({ type: T.Literal('auth:success'), payload: T.Object({ message: T.String() }) }),
  T.Object({ type: T.Union([T.Literal('auth:error'), T.Literal('error')]), payload: Seed003ErrorPayload }),
  T.Object({
    type: T.Union([T.Literal('subscribe:success'), T.Literal('unsubscribe:success')]),
    payload: T.Object({ taskId: T.String() }),
  }),
  T.Object({
    type: T.Union([T.Literal('pong'), T.Literal('heartbeat')]),
    payload: T.Object({ timestamp: T.Number() }),
  }),
  T.Object({ type: T.Literal('task:update'), payload: TaskUpdatePayload }),
  T.Object({ type: T.Literal('task:log'), payload: TaskLogPayload }),
  T.Object({ type: T.Literal('task:completed'), payload: TaskCompletedPayload }),
  T.Object({ type: T.Literal('success'), payload: T.Unknown() }),
])
export type Seed003ServerFrame = Static<typeof Seed003ServerFrame>
export type TaskUpdatePayload = Static<typeof TaskUpdatePayload>
export type TaskLogPayload = Static<typeof TaskLogPayload>
