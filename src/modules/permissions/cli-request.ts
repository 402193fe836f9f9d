// A can_use_tool control_request of the Claude CLI, read into the permission record cchub stores and publishes.
import type { PermissionRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { ExecutionRun } from '../claude/engine/execution-run.ts'
import { taskChannel } from '../realtime/channels.ts'

const KIND = (tool: string) => (tool === 'AskUserQuestion' ? 'question' : tool === 'ExitPlanMode' ? 'plan' : 'tool')

/** The pending record for request `cliId` of `run`, asked at `now`, expiring after `timeoutMs`. */
export async function recordOf(
  store: Store,
  run: ExecutionRun,
  cliId: string,
  asked: Record<string, unknown>,
  now: number,
  timeoutMs: number,
): Promise<PermissionRecord> {
  let request = asked
  const e = run.execution
  const tool = String(request.tool_name ?? '')
  const input = request.input && typeof request.input === 'object' ? (request.input as Record<string, unknown>) : {}
  const toolUseId = typeof request.tool_use_id === 'string' ? request.tool_use_id : null
  // CLI 2.1.330 asks to approve a plan with an empty input: the text is in the tool_use the model sent just before
  if (KIND(tool) === 'plan' && typeof input.plan !== 'string' && toolUseId)
    request = { ...request, plan_from_tool_use: await planText(store, run, toolUseId) }
  return {
    id: Bun.randomUUIDv7(),
    cli_request_id: cliId,
    session_id: e.session_id,
    execution_id: e.id,
    kind: KIND(tool),
    tool_name: tool,
    tool_use_id: toolUseId,
    input,
    request,
    status: 'pending',
    scope: null,
    response: null,
    message: null,
    decided_by: null,
    decided_by_name: null,
    decided_at: null,
    created_at: now,
    expires_at: now + timeoutMs,
  }
}

/** The `plan` of the tool_use block `toolUseId` among the execution's latest events (stored before the request). */
async function planText(store: Store, run: ExecutionRun, toolUseId: string): Promise<string | null> {
  await run.relay.settled()
  for (const row of await store.events.readBefore(taskChannel(run.execution.id), Number.MAX_SAFE_INTEGER, 20)) {
    const ev = (
      JSON.parse(row.data) as {
        event?: { type?: string; message?: { content?: { type?: string; id?: string; input?: { plan?: unknown } }[] } }
      }
    ).event
    const block =
      ev?.type === 'assistant'
        ? ev.message?.content?.find((b) => b.type === 'tool_use' && b.id === toolUseId)
        : undefined
    if (block) return typeof block.input?.plan === 'string' ? block.input.plan : null
  }
  return null
}
