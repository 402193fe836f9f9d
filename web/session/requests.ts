// A session's pending permission requests, questions and plans, and the transcript line each answer becomes.
import { signal } from '@preact/signals'
import type { PermissionRequestData, PermissionResolvedData } from '../../src/client/index.ts'

export type PermissionRequest = PermissionRequestData
export const REQUEST_TYPES = new Set(['permission_request', 'question', 'plan_approval'])

/** "carol allowed Bash `npm test`", split so the view can set the detail in code type. */
export interface Decision {
  who: string
  verb: string
  tool: string
  detail: string
  message: string | null
}

/** The one line that says what a tool call will touch: the command, the file, the url. */
export function toolDetail(input: Record<string, unknown>): string {
  const v =
    input.command ?? input.file_path ?? input.notebook_path ?? input.path ?? input.pattern ?? input.url ?? input.query
  return typeof v === 'string' ? v : ''
}

function verbOf(r: PermissionResolvedData): string {
  if (r.kind === 'plan')
    return r.status === 'allowed'
      ? 'approved the plan'
      : r.status === 'denied'
        ? 'asked to keep planning'
        : `left the plan ${r.status.replace('_', ' ')}`
  if (r.kind === 'question')
    return r.status === 'allowed' ? 'answered the question' : `declined the question (${r.status.replace('_', ' ')})`
  const verbs: Record<string, string> = {
    allowed: 'allowed',
    denied: 'denied',
    timed_out: 'denied (nobody answered in time)',
    cancelled: 'cancelled',
    expired: 'expired',
  }
  const verb = verbs[r.status] ?? r.status
  return r.scope === 'session' && r.status === 'allowed' ? 'allowed for this session' : verb
}

export class Requests {
  /** Pending, oldest first. */
  readonly pending = signal<PermissionRequest[]>([])
  private known = new Map<string, PermissionRequest>()
  private settled = new Set<string>()

  add(r: PermissionRequest): void {
    this.known.set(r.request_id, r)
    if (
      r.status !== 'pending' ||
      this.settled.has(r.request_id) ||
      this.pending.value.some((p) => p.request_id === r.request_id)
    )
      return
    this.pending.value = [...this.pending.value, r]
  }

  /**
   * `session_state.pending_permissions` on every (re)join: adds what this page has not seen, keeps what it has settled
   * out.
   */
  merge(list: PermissionRequest[]): void {
    const ids = new Set(list.map((r) => r.request_id))
    this.pending.value = this.pending.value.filter((p) => ids.has(p.request_id))
    for (const r of list) this.add(r)
  }

  /** Removes the request; its decision as a transcript line. */
  resolve(r: PermissionResolvedData): Decision {
    this.settled.add(r.request_id)
    this.pending.value = this.pending.value.filter((p) => p.request_id !== r.request_id)
    const input = this.known.get(r.request_id)?.input ?? {}
    const detail = r.kind === 'tool' ? toolDetail(input) : ''
    return {
      who: r.by?.username ?? 'cchub',
      verb: verbOf(r),
      tool: r.kind === 'tool' ? r.tool_name : '',
      detail,
      message: r.status === 'denied' ? r.message : null,
    }
  }
}
