// The admin's view of the server: health (version, uptime, database, CLI, sandbox) and the realtime numbers.
import type { Static } from '@sinclair/typebox'
import { useEffect, useState } from 'preact/hooks'
import type { WsStats } from '../../src/modules/realtime/model.ts'
import { api } from '../lib/auth.ts'
import type { Health } from '../lib/types.ts'
import { FormError, useAction } from './forms.tsx'

type Stats = Static<typeof WsStats>
const REFRESH_MS = 10_000

function Figures({ title, rows }: { title: string; rows: [string, string | number][] }) {
  return (
    <section class="figures" aria-label={title}>
      <h3>{title}</h3>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

const uptime = (s: number) =>
  s < 3600 ? `${Math.floor(s / 60)} min` : s < 86_400 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86_400).toFixed(1)} d`

export function ServerStats() {
  const [health, setHealth] = useState<Health | null>(null)
  const [stats, setStats] = useState<Stats | null>(null)
  const load = useAction(async () => {
    const [h, s] = await Promise.all([api<Health>('/health'), api<Stats>('/api/v1/ws/stats')])
    setHealth(h)
    setStats(s)
  })
  useEffect(() => {
    void load.run()
    const timer = setInterval(() => void load.run(), REFRESH_MS)
    return () => clearInterval(timer)
  }, [])
  return (
    <section class="panel server" aria-labelledby="server-h">
      <h2 id="server-h">Server</h2>
      <FormError error={load.error} />
      {health && (
        <Figures
          title="Health"
          rows={[
            ['Status', health.status],
            ['Version', health.version],
            ['Uptime', uptime(health.uptime_s)],
            ['Database', health.db],
            ['Claude CLI', health.claude ? `${health.claude.version} ${health.claude.path ?? ''}` : 'not found'],
            ['Sandbox', health.sandbox === 'off' ? `off (${health.sandbox_reason ?? 'unavailable'})` : health.sandbox],
          ]}
        />
      )}
      {stats && (
        <Figures
          title="Realtime"
          rows={[
            ['Connections', `${stats.connections.total} (${stats.connections.authenticated} signed in)`],
            ['Channels subscribed', Object.keys(stats.subscriptions).length],
            ['Messages in / out', `${stats.messages.in} / ${stats.messages.out}`],
            ['Published', stats.messages.published],
            [
              'Replays',
              `${stats.replays.requests} (${stats.replays.events} events; ${stats.replays.active} active, ${stats.replays.waiting} waiting)`,
            ],
            ['Event log', `${stats.event_log.appended} appended in ${stats.event_log.batches} batches`],
            [
              'Dropped',
              `${stats.drops.backpressure_closes} slow, ${stats.drops.rate_limited} rate-limited, ${stats.drops.invalid} invalid`,
            ],
          ]}
        />
      )}
      <button type="button" class="small" onClick={() => void load.run()} disabled={load.busy}>
        Refresh
      </button>
    </section>
  )
}
