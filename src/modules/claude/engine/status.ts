// Status messages for executions: one `status` type on the task, session, workspace and user channels.
import { iso } from '../../../core/iso.ts'
import type { ExecutionRecord } from '../../../store/records.ts'
import type { Store } from '../../../store/store.ts'
import type { ChannelLog } from '../../realtime/channel-log.ts'
import { sessionChannel, taskChannel, userChannel, workspaceChannel } from '../../realtime/channels.ts'
import type { Progress } from './relay.ts'

export function statusPayload(e: ExecutionRecord, extra: { progress?: Progress; queue_position?: number | null } = {}) {
  return {
    execution_id: e.id,
    session_id: e.session_id,
    workspace_id: e.workspace_id,
    user_id: e.user_id,
    status: e.status,
    error: e.error,
    queue_position: extra.queue_position ?? null,
    progress: extra.progress ?? {
      turns: e.num_turns,
      messages: e.message_count,
      input_tokens: e.usage?.input_tokens ?? 0,
      output_tokens: e.usage?.output_tokens ?? 0,
    },
    total_cost_usd: e.total_cost_usd,
    created_at: iso(e.created_at),
    started_at: iso(e.started_at),
    finished_at: iso(e.finished_at),
  }
}

/** Publishes a status change everywhere someone may be watching; resolves once stored. */
export async function publishStatus(
  log: ChannelLog,
  e: ExecutionRecord,
  sessionOwner: string,
  extra: Parameters<typeof statusPayload>[1] = {},
): Promise<void> {
  const data = statusPayload(e, extra)
  const channels = new Set([
    taskChannel(e.id),
    sessionChannel(e.session_id),
    workspaceChannel(e.workspace_id),
    userChannel(e.user_id),
    userChannel(sessionOwner),
  ])
  await Promise.all([...channels].map((ch) => log.emit(ch, 'status', data)))
}

/** An execution no process is working on any more (server restarted, node died) ends `interrupted` with `reason`. */
export async function interruptExecution(store: Store, log: ChannelLog, e: ExecutionRecord, reason: string) {
  const session = await store.sessions.byId(e.session_id)
  const updated = await store.executions.update(e.id, { status: 'interrupted', error: reason, finished_at: Date.now() })
  if (updated) await publishStatus(log, updated, session?.owner_id ?? e.user_id)
}
