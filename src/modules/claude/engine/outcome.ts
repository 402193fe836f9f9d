// Records how an execution ended: its row, the session's cost and usage totals, and the final status message.
import type { ExecutionRecord, SessionRecord } from '../../../store/records.ts'
import type { Store } from '../../../store/store.ts'
import type { ChannelLog } from '../../realtime/channel-log.ts'
import type { Progress } from './relay.ts'
import type { RunOutcome } from './execution-run.ts'
import { publishStatus } from './status.ts'

/** Where an outcome goes; `persist` runs one store write, retried while the database is away. */
export interface OutcomeDeps {
  store: Store
  log: ChannelLog
  persist: <T>(op: () => Promise<T>) => Promise<T>
}

/**
 * Each write is retried on its own, with its values computed once: a retry after a commit whose answer was lost
 * writes the same again rather than adding the cost to the session twice.
 */
export async function recordOutcome(
  { store, log, persist }: OutcomeDeps,
  job: { execution: ExecutionRecord; session: SessionRecord },
  o: RunOutcome,
  progress: Progress | undefined,
  cliSessionId: string | undefined,
): Promise<void> {
  const r = o.result
  const usage = r?.usage
    ? {
        input_tokens: r.usage.inputTokens,
        output_tokens: r.usage.outputTokens,
        cache_creation_input_tokens: r.usage.cacheCreationInputTokens,
        cache_read_input_tokens: r.usage.cacheReadInputTokens,
      }
    : null
  // total_cost_usd in a result is cumulative per CLI process (and across resumes), so a turn's own cost is what adds up
  const cost = r ? (r.turnCostUsd ?? r.totalCostUsd ?? null) : null
  const final = {
    status: o.status,
    error: o.error,
    finished_at: Date.now(),
    pid: null,
    pid_start: null,
    num_turns: r?.numTurns ?? progress?.turns ?? 0,
    message_count: progress?.messages ?? 0,
    total_cost_usd: cost,
    usage,
    permission_denials: r?.permissionDenials.length
      ? r.permissionDenials.map((d) => ({ tool_name: d.toolName, tool_use_id: d.toolUseId, tool_input: d.toolInput }))
      : null,
    exit_code: o.exit?.code ?? null,
    stderr: o.stderr ? o.stderr.slice(-16_000) : null,
  }
  const updated = await persist(() => store.executions.update(job.execution.id, final))
  const session = await persist(() => store.sessions.byId(job.session.id))
  if (session) {
    const totals = { ...session.usage }
    for (const [k, v] of Object.entries(usage ?? {})) totals[k] = (totals[k] ?? 0) + v
    const patch = {
      cli_session_id: cliSessionId ?? session.cli_session_id,
      total_cost_usd: session.total_cost_usd + (cost ?? 0),
      usage: totals,
      updated_at: Date.now(),
    }
    await persist(() => store.sessions.update(session.id, patch))
  }
  if (updated) await publishStatus(log, updated, job.session.owner_id, { progress })
}
