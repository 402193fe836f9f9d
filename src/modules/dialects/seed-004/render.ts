// Renders cchub's session channel messages as seed 004's agent_progress / agent_response / session_status frames.
import type { ServerEnvelope } from '../../realtime/model.ts'
import { ExecutionResults, FINAL_STATUSES, streamText, toolResultText } from '../shared.ts'
import type { AgentProgressData, ServerFrame } from './model.ts'

export const AGENT_NAME = 'Claude'

type Data = Record<string, unknown>
type Block = {
  type?: string
  id?: string
  name?: string
  input?: unknown
  tool_use_id?: string
  is_error?: boolean
  content?: unknown
}
/** A tool's output in agent_progress is a preview: the whole of it stays in the session log. */
const MAX_RESULT_TEXT = 4000

export function seedFrame(type: string, data: Data, sessionId?: string, timestamp?: string): ServerFrame {
  return {
    type,
    ...(sessionId ? { session_id: sessionId } : {}),
    message_id: Bun.randomUUIDv7(),
    timestamp: timestamp ?? new Date().toISOString(),
    data,
  }
}

/**
 * Per connection: turns one session channel message into zero or more seed frames. It keeps each execution's result
 * text until the execution's terminal status, which becomes the one `agent_response`.
 */
export class SessionRenderer {
  private readonly results = new ExecutionResults()

  render(sessionId: string, env: ServerEnvelope): ServerFrame[] {
    const data = (env.data ?? {}) as Data
    const at = (type: string, d: Data) => seedFrame(type, d, sessionId, env.timestamp)
    const progress = (d: Omit<AgentProgressData, 'agent_name' | 'execution_id'>) =>
      at('agent_progress', { agent_name: AGENT_NAME, execution_id: String(data.execution_id), ...d })
    switch (env.type) {
      case 'stream':
        return [progress({ progress_type: 'text', content: streamText(data) })]
      case 'event':
        return this.event(String(data.execution_id), data.event as Data).map((d) => progress(d))
      case 'status':
        if (!FINAL_STATUSES.has(String(data.status)))
          return [progress({ progress_type: 'status', status: String(data.status) })]
        return [at('agent_response', this.response(data))]
      case 'session_state':
        return [at('session_status', sessionStatus(sessionId, data))]
      case 'session':
        return [at('session_status', { ...data, session_id: sessionId })]
      case 'typing':
        return [at('typing', { ...data, is_typing: data.state === 'start' })]
      default:
        return [at('system_message', { event: env.type, ...data })]
    }
  }

  private event(executionId: string, event: Data): Omit<AgentProgressData, 'agent_name' | 'execution_id'>[] {
    if (this.results.see(executionId, event)) return []
    const blocks = ((event.message as { content?: unknown } | undefined)?.content ?? []) as Block[]
    if (!Array.isArray(blocks)) return []
    if (event.type === 'assistant')
      return blocks
        .filter((b) => b.type === 'tool_use')
        .map((b) => ({ progress_type: 'tool_use', tool_name: b.name, tool_input: b.input, tool_use_id: b.id }))
    if (event.type === 'user')
      return blocks
        .filter((b) => b.type === 'tool_result')
        .map((b) => ({
          progress_type: 'tool_result',
          tool_use_id: b.tool_use_id,
          is_error: b.is_error === true,
          content: toolResultText(b.content).slice(0, MAX_RESULT_TEXT),
        }))
    return []
  }

  private response(status: Data): Data {
    const content = this.results.take(String(status.execution_id)) ?? ''
    const ok = status.status === 'completed'
    return {
      agent_name: AGENT_NAME,
      content: ok ? content : String(status.error ?? content),
      status: ok ? 'complete' : 'error',
      execution_id: status.execution_id,
      execution_status: status.status,
      ...(ok ? {} : { error: status.error ?? null }),
    }
  }
}

function sessionStatus(sessionId: string, state: Data): Data {
  const session = (state.session ?? {}) as Data
  return {
    session_id: sessionId,
    status: state.status,
    workspace_id: session.workspace_id,
    title: session.title ?? null,
    your_role: state.your_role,
    participants: state.participants,
    current_execution: state.current_execution ?? null,
    history: state.history,
    created_at: session.created_at,
  }
}
