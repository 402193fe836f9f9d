// The run each session is busy with (waiting for an answer, running or queued): what a session list shows as its status.
import type { ExecutionRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'

const BUSY = ['waiting_for_permission', 'running', 'queued'] as const
type Busy = (typeof BUSY)[number]

/** One query for every unfinished execution; a session with several shows the most urgent (an answer wanted first). */
export async function currentRuns(store: Store): Promise<Map<string, { id: string; status: Busy }>> {
  const runs = new Map<string, { id: string; status: Busy }>()
  const rank = (s: ExecutionRecord['status']) => BUSY.indexOf(s as Busy)
  for (const e of await store.executions.withStatus([...BUSY])) {
    const seen = runs.get(e.session_id)
    if (!seen || rank(e.status) < rank(seen.status)) runs.set(e.session_id, { id: e.id, status: e.status as Busy })
  }
  return runs
}
