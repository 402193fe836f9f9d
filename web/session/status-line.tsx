// The run's state in one truthful line: queued (position), running (elapsed, tokens), done with cost, failed why.
import { useEffect, useState } from 'preact/hooks'
import { cost, tokens } from '../lib/format.ts'
import type { RunStatus } from './transcript.ts'

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    if (!active) return
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [active])
  return now
}

export function statusText(s: RunStatus | null, now = Date.now()): string {
  if (!s) return 'Idle: no run yet'
  const p = s.progress
  const usage = p
    ? `${p.turns} turn${p.turns === 1 ? '' : 's'}, ${tokens(p.input_tokens)} in / ${tokens(p.output_tokens)} out`
    : ''
  switch (s.status) {
    case 'queued':
      return s.queue_position ? `Queued: position ${s.queue_position}` : 'Queued'
    case 'running': {
      const secs = s.started_at ? Math.max(0, Math.round((now - Date.parse(s.started_at)) / 1000)) : 0
      return `Running ${secs}s${p?.output_tokens ? ` · ${usage}` : ''}`
    }
    case 'waiting_for_permission':
      return 'Waiting for permission: Claude needs an answer'
    case 'completed':
      return `Completed · ${cost(s.total_cost_usd) || '$0.00'} · ${usage}`
    case 'failed':
      return `Failed: ${s.error ?? 'unknown error'}`
    case 'cancelled':
      return 'Cancelled: the run was stopped'
    case 'timed_out':
      return `Timed out${s.error ? `: ${s.error}` : ''}`
    case 'interrupted':
      return 'Interrupted: the server restarted during the run'
    default:
      return s.status
  }
}

export function StatusLine({
  status,
  onStop,
  canStop,
}: {
  status: RunStatus | null
  onStop: () => void
  canStop: boolean
}) {
  const active =
    status?.status === 'running' || status?.status === 'queued' || status?.status === 'waiting_for_permission'
  const now = useNow(active)
  return (
    <div class={`status-line ${status?.status ?? 'idle'}`}>
      <span class="dot" aria-hidden="true" />
      <span role="status" aria-live="polite" data-status={status?.status ?? 'idle'}>
        {statusText(status, now)}
      </span>
      {active && canStop && (
        <button type="button" class="danger" onClick={onStop}>
          Stop
        </button>
      )}
    </div>
  )
}
