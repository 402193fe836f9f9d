// WebSocket `command` messages (execute, cancel, create_session; alias claude_message) with REST's checks.
import { Type as T, type Static } from '@sinclair/typebox'
import { AppError } from '../../core/errors.ts'
import type { Dispatcher } from '../realtime/dispatcher.ts'
import type { ClaudeService } from './service.ts'

const ExecuteData = T.Object(
  {
    action: T.Literal('execute'),
    workspace_id: T.String({ maxLength: 64 }),
    prompt: T.String({ minLength: 1, maxLength: 200_000 }),
  },
  { additionalProperties: true },
)
const CancelData = T.Object({ action: T.Literal('cancel'), execution_id: T.String({ maxLength: 64 }) })
const CreateSessionData = T.Object({
  action: T.Literal('create_session'),
  workspace_id: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
  title: T.Optional(T.String({ maxLength: 200 })),
})
const Command = T.Object({
  type: T.String(),
  id: T.Optional(T.Union([T.String(), T.Number()])),
  data: T.Union([ExecuteData, CancelData, CreateSessionData]),
})

export function registerClaudeCommands(
  d: Dispatcher,
  claude: ClaudeService,
  validateExecute: (body: unknown) => void,
): void {
  const handle = async (msg: Static<typeof Command>, user: Parameters<ClaudeService['execute']>[0]) => {
    const { action, ...rest } = msg.data as { action: string } & Record<string, unknown>
    if (action === 'execute') {
      validateExecute(rest)
      return { action, ...(await claude.execute(user, rest as never)) }
    }
    if (action === 'cancel') return { action, execution: await claude.cancel(user, String(rest.execution_id)) }
    if (action === 'create_session') return { action, session: await claude.createSession(user, rest) }
    throw new AppError('VALIDATION_FAILED', 422, `Unknown command action ${JSON.stringify(action)}`)
  }
  d.on('command', Command, (msg, { conn }) => handle(msg, conn.principal!.user))
  d.on('claude_message', Command, (msg, { conn }) => handle(msg, conn.principal!.user))
}
