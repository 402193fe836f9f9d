// Public JSON views of execution and session records.
import type { ExecutionRecord, SessionRecord, SessionRole } from '../../store/records.ts'

import { iso } from '../../core/iso.ts'

export function toPublicExecution(e: ExecutionRecord, queuePosition: number | null) {
  return {
    ...e,
    queue_position: queuePosition,
    created_at: iso(e.created_at)!,
    started_at: iso(e.started_at),
    finished_at: iso(e.finished_at),
    duration_ms: e.started_at && e.finished_at ? e.finished_at - e.started_at : null,
  }
}

export function toPublicSession(s: SessionRecord, role: SessionRole | null) {
  return {
    ...s,
    ...(role ? { role } : {}),
    created_at: iso(s.created_at)!,
    updated_at: iso(s.updated_at)!,
    closed_at: iso(s.closed_at),
  }
}
