// Renders gateway counters as the /api/v1/ws/stats document and as Prometheus text.
import type { Slots } from '../../core/slots.ts'
import type { ChannelLog } from './channel-log.ts'
import type { Connection } from './connection.ts'
import type { GatewayStats } from './stats.ts'

/** What the numbers are read from: the gateway's sockets and counters, the replay turns, the event log. */
export interface MetricsSources {
  connections: ReadonlyMap<string, Connection>
  stats: GatewayStats
  replaySlots: Pick<Slots, 'inUse' | 'queued'>
  log: Pick<ChannelLog, 'stats'>
}

export function statsOf(gw: MetricsSources) {
  const perUser: Record<string, number> = {}
  let authenticated = 0
  for (const c of gw.connections.values()) {
    if (!c.userId) continue
    authenticated++
    perUser[c.userId] = (perUser[c.userId] ?? 0) + 1
  }
  const s = gw.stats
  return {
    connections: { total: gw.connections.size, authenticated, per_user: perUser },
    subscriptions: Object.fromEntries(s.perChannel),
    messages: { in: s.received, out: s.delivered, published: s.published },
    drops: { backpressure_closes: s.backpressureCloses, rate_limited: s.rateLimited, invalid: s.invalid },
    replays: {
      requests: s.replayRequests,
      events: s.replayedEvents,
      active: gw.replaySlots.inUse,
      waiting: gw.replaySlots.queued,
    },
    event_log: { appended: gw.log.stats.appended, batches: gw.log.stats.batches },
  }
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

export function metricsText(gw: MetricsSources): string {
  const st = statsOf(gw)
  const lines: string[] = []
  const metric = (
    name: string,
    type: 'gauge' | 'counter',
    help: string,
    samples: [Record<string, string>, number][],
  ) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [labels, v] of samples) {
      const l = Object.entries(labels)
        .map(([k, val]) => `${k}="${esc(val)}"`)
        .join(',')
      lines.push(`${name}${l ? `{${l}}` : ''} ${v}`)
    }
  }
  metric('cchub_ws_connections', 'gauge', 'Open WebSocket connections', [[{}, st.connections.total]])
  metric('cchub_ws_connections_authenticated', 'gauge', 'Authenticated WebSocket connections', [
    [{}, st.connections.authenticated],
  ])
  metric(
    'cchub_ws_connections_per_user',
    'gauge',
    'Open connections per user',
    Object.entries(st.connections.per_user).map(([u, n]) => [{ user: u }, n]),
  )
  metric(
    'cchub_ws_subscriptions',
    'gauge',
    'Subscribers per channel',
    Object.entries(st.subscriptions).map(([c, n]) => [{ channel: c }, n]),
  )
  metric('cchub_ws_messages_in_total', 'counter', 'Frames received from clients', [[{}, st.messages.in]])
  metric('cchub_ws_messages_out_total', 'counter', 'Channel frames delivered to sockets', [[{}, st.messages.out]])
  metric('cchub_bus_published_total', 'counter', 'Messages published on the event bus', [[{}, st.messages.published]])
  metric('cchub_ws_drops_total', 'counter', 'Dropped or refused frames by reason', [
    [{ reason: 'backpressure_close' }, st.drops.backpressure_closes],
    [{ reason: 'rate_limited' }, st.drops.rate_limited],
    [{ reason: 'invalid' }, st.drops.invalid],
  ])
  metric('cchub_ws_replays_total', 'counter', 'Subscribe requests that replayed history', [[{}, st.replays.requests]])
  metric('cchub_ws_replays_active', 'gauge', 'Replays reading the store now', [[{}, st.replays.active]])
  metric('cchub_ws_replays_waiting', 'gauge', 'Replays waiting for a replay slot', [[{}, st.replays.waiting]])
  metric('cchub_ws_replayed_events_total', 'counter', 'Events sent by replays', [[{}, st.replays.events]])
  metric('cchub_event_log_appended_total', 'counter', 'Events written to the event log', [[{}, st.event_log.appended]])
  return lines.join('\n') + '\n'
}
