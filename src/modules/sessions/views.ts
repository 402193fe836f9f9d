// Public JSON views of execution and session records.
import type { ExecutionRecord, SessionRecord, SessionRole } from '../../store/records.ts'

import { iso } from '../../core/iso.ts'

/** Where an unfinished execution is: the node that queues or runs it, and its place in that node's queue. */
export interface ExecutionPlace {
  node_id: string | null
  queue_position: number | null
}

export const NOWHERE: ExecutionPlace = { node_id: null, queue_position: null }

export function toPublicExecution(e: ExecutionRecord, place: ExecutionPlace) {
  return {
    ...e,
    ...place,
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
