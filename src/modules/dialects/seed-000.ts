// Seed 000 (aicli-web foundation): cchub's envelope, with execution updates as `task` and session updates as `session`.
import { Type as T, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Dialect } from '../realtime/dialect.ts'
import type { ServerEnvelope } from '../realtime/model.ts'
import { isRec } from './shared.ts'

/**
 * A seed-000 client frame that decides: the seed's Go `Message` always serialises its `timestamp` (RFC 3339), and its
 * clients send only the system and command types. cchub's own SDK sends no timestamp. `auth` and `ping` decide
 * nothing (dialect-router.ts): seed 004's client sends them with the same ISO timestamp, and cchub answers them alike.
 */
const FirstFrame = T.Object({
  type: T.Union(['subscribe', 'unsubscribe', 'command'].map((t) => T.Literal(t))),
  timestamp: T.String({ minLength: 1 }),
})
const firstFrameCheck = TypeCompiler.Compile(FirstFrame)

/** The seed's TaskMessage (`type: "task"`): one execution's status. */
export const Seed000Task = T.Object({
  task_id: T.String(),
  session_id: T.String(),
  status: T.String(),
  error: T.Optional(T.String()),
  data: T.Record(T.String(), T.Unknown()),
})
/** The seed's SessionMessage (`type: "session"`): project_id is the session's workspace. */
export const Seed000Session = T.Object({
  session_id: T.String(),
  project_id: T.String(),
  status: T.String(),
  data: T.Record(T.String(), T.Unknown()),
})

/** Picked by the subprotocol `cchub.seed-000`, or by a first frame of the seed's shape (with `timestamp`). */
export function seed000Dialect(): Dialect {
  return {
    name: 'seed-000',
    claimsFirstFrame: (f) => firstFrameCheck.Check(f),
    open: (io) => ({
      // the seed's client messages are cchub's: auth {token}, ping, subscribe/unsubscribe with channel, command
      inbound: (frame) => io.dispatch(frame as Record<string, unknown>),
      outbound: (env) => io.write(JSON.stringify(render(env))),
    }),
  }
}

function render(env: ServerEnvelope): ServerEnvelope {
  const d = isRec(env.data) ? env.data : null
  if (env.type === 'status' && typeof d?.execution_id === 'string') return { ...env, type: 'task', data: task(d) }
  if (env.type === 'session' && typeof d?.session_id === 'string') return { ...env, data: session(d) }
  return env
}

function task(d: Record<string, unknown>): Static<typeof Seed000Task> {
  const { execution_id, session_id, status, error, ...rest } = d
  return {
    task_id: String(execution_id),
    session_id: String(session_id ?? ''),
    status: String(status),
    ...(typeof error === 'string' ? { error } : {}),
    data: rest,
  }
}

function session(d: Record<string, unknown>): Static<typeof Seed000Session> {
  const { session_id, workspace_id, status, ...rest } = d
  return { session_id: String(session_id), project_id: String(workspace_id ?? ''), status: String(status), data: rest }
}
