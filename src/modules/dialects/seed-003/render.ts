// cchub's task:<id> channel messages as seed 003's task:update, task:log and task:completed, with the log level chosen.
import { getResult } from '../../claude/cli/extract.ts'
import type { ServerEnvelope } from '../../realtime/model.ts'
import { ExecutionResults, FINAL_STATUSES, isRec, toolResultText } from '../shared.ts'
import type { Seed003LogLevel, Seed003ServerFrame, Seed003Status } from './model.ts'

const STATUS: Record<string, Seed003Status> = {
  queued: 'pending',
  running: 'running',
  waiting_for_permission: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  timed_out: 'failed',
  interrupted: 'failed',
}
/** A tool result longer than this is cut in its log line (the whole result stays in cchub's event log). */
const MAX_TOOL_RESULT = 2000

type Rec = Record<string, unknown>

/** Per-socket memory across one task's messages: the CLI's result text, carried into task:completed. */
export class TaskRenderer {
  private readonly results = new ExecutionResults()

  /** The seed's frames for one message of `task:<taskId>`; none for cchub-only types (prompt, stream, …). */
  render(taskId: string, env: ServerEnvelope): Seed003ServerFrame[] {
    const data = isRec(env.data) ? env.data : {}
    const at = env.timestamp
    if (env.type === 'status') return this.status(taskId, data, at)
    if (env.type === 'log') {
      // stdout lines that are not CLI JSON, and the CLI's stderr (kept at exit): stderr is a warning, not yet an error
      const level: Seed003LogLevel = data.stream === 'stderr' ? 'warning' : 'info'
      return [taskLog(taskId, String(data.line ?? ''), at, level)]
    }
    if (env.type === 'event' && isRec(data.event)) return this.cliEvent(taskId, data.event, at)
    // `stream` (coalesced text deltas) is skipped: the complete assistant message follows as an `event`
    return []
  }

  private status(taskId: string, d: Rec, at: string): Seed003ServerFrame[] {
    const cchubStatus = String(d.status)
    const status = STATUS[cchubStatus] ?? 'running'
    const metadata = compact({
      cchubStatus,
      sessionId: d.session_id,
      workspaceId: d.workspace_id,
      createdAt: d.created_at,
      startedAt: d.started_at,
      completedAt: d.finished_at,
      queuePosition: d.queue_position,
      waitingForPermission: cchubStatus === 'waiting_for_permission' || undefined,
      progress: d.progress,
      costUsd: d.total_cost_usd,
      error: d.error,
    })
    const frames: Seed003ServerFrame[] = [{ type: 'task:update', payload: { taskId, status, timestamp: at, metadata } }]
    if (!FINAL_STATUSES.has(cchubStatus)) return frames
    const error = typeof d.error === 'string' ? d.error : undefined
    if (error && status !== 'completed') frames.push(taskLog(taskId, error, at, 'error'))
    const result = this.results.take(taskId)
    frames.push({
      type: 'task:completed',
      payload: {
        taskId,
        status,
        timestamp: at,
        ...(result === undefined ? {} : { result }),
        ...(error ? { error } : {}),
        metadata,
      },
    })
    return frames
  }

  /** One CLI message: Claude's text and tool calls at info, tool results at debug (error when failed), init at debug. */
  private cliEvent(taskId: string, ev: Rec, at: string): Seed003ServerFrame[] {
    const result = getResult(ev)
    if (result) {
      this.results.see(taskId, ev)
      const turns = result.numTurns ?? 0
      const cost = result.totalCostUsd === undefined ? '' : `, $${result.totalCostUsd.toFixed(4)}`
      const line = result.isError ? `Failed: ${result.result ?? result.subtype}` : `Finished in ${turns} turn(s)${cost}`
      return [taskLog(taskId, line, at, result.isError ? 'error' : 'info')]
    }
    if (ev.type === 'system' && ev.subtype === 'init')
      return [taskLog(taskId, `Claude started (model ${String(ev.model ?? 'default')})`, at, 'debug')]
    const content = isRec(ev.message) && Array.isArray(ev.message.content) ? ev.message.content.filter(isRec) : []
    if (ev.type === 'assistant') return content.flatMap((b) => assistantBlock(taskId, b, at))
    if (ev.type === 'user') return content.flatMap((b) => toolResult(taskId, b, at))
    return []
  }
}

function assistantBlock(taskId: string, b: Rec, at: string): Seed003ServerFrame[] {
  if (b.type === 'text' && typeof b.text === 'string' && b.text.trim()) return [taskLog(taskId, b.text, at, 'info')]
  if (b.type === 'tool_use')
    return [taskLog(taskId, `Tool ${String(b.name)}: ${JSON.stringify(b.input ?? {})}`, at, 'info')]
  return []
}

function toolResult(taskId: string, b: Rec, at: string): Seed003ServerFrame[] {
  if (b.type !== 'tool_result') return []
  const text = toolResultText(b.content)
  const cut = text.length > MAX_TOOL_RESULT ? `${text.slice(0, MAX_TOOL_RESULT)}…` : text
  return [taskLog(taskId, `Tool result: ${cut}`, at, b.is_error === true ? 'error' : 'debug')]
}

const taskLog = (taskId: string, log: string, timestamp: string, level: Seed003LogLevel): Seed003ServerFrame => ({
  type: 'task:log',
  payload: { taskId, log, timestamp, level },
})

/** Drops null and undefined fields, so metadata carries only what is known. */
function compact(o: Rec): Rec {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined))
}
