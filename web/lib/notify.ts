// Browser notifications while the tab is hidden: Claude asks, or a run ends; only for news to this device.
import { REQUEST_TYPES } from '../session/requests.ts'

const ASKED = 'cchub.notify.asked'
const seenKey = (sessionId: string) => `cchub.seen.${sessionId}`
const ENDS: Record<string, string> = {
  completed: 'Claude is done',
  failed: 'The run failed',
  timed_out: 'The run timed out',
  interrupted: 'The run was interrupted',
}

/**
 * Asks for the permission once per device; browsers only allow it in answer to a click or a key, so callers are
 * gestures.
 */
export function askForNotificationsOnce(): void {
  if (!('Notification' in globalThis) || Notification.permission !== 'default' || localStorage.getItem(ASKED)) return
  localStorage.setItem(ASKED, '1')
  void Notification.requestPermission().catch(() => {})
}

/** Everything up to `seq` of the session has been shown on this device (a reload or a replay must not notify again). */
export function markSeen(sessionId: string, seq: number): boolean {
  const seen = Number(localStorage.getItem(seenKey(sessionId)) ?? 0)
  if (seq <= seen) return false
  localStorage.setItem(seenKey(sessionId), String(seq))
  return true
}

function message(type: string, data: any): { title: string; body: string; tag: string } | null {
  if (REQUEST_TYPES.has(type) && data?.status === 'pending') {
    const what =
      data.kind === 'question'
        ? 'Claude has a question'
        : data.kind === 'plan'
          ? 'Claude has a plan to approve'
          : `Claude wants to use ${data.tool_name}`
    return { title: 'Claude needs an answer', body: what, tag: String(data.request_id) }
  }
  const end = type === 'status' ? ENDS[data?.status] : undefined
  return end ? { title: end, body: data.error ?? '', tag: String(data.execution_id) } : null
}

export function notifyIfNew(
  sessionId: string,
  seq: number,
  type: string,
  data: unknown,
  sessionTitle: string | null,
): void {
  if (
    !markSeen(sessionId, seq) ||
    !document.hidden ||
    !('Notification' in globalThis) ||
    Notification.permission !== 'granted'
  )
    return
  const m = message(type, data)
  if (!m) return
  const n = new Notification(m.title, { body: [sessionTitle, m.body].filter(Boolean).join(': '), tag: m.tag })
  n.onclick = () => {
    focus()
    n.close()
  }
}
