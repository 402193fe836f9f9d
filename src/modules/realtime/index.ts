// Routes of the realtime hub: /ws, /ws/executions/:id, SSE, broadcast, stats and metrics.
import { Elysia, t } from 'elysia'
import { errors } from '../../core/openapi-errors.ts'
import { authGuard } from '../auth/guard.ts'
import type { AuthService, Principal } from '../auth/service.ts'
import { taskChannel } from './channels.ts'
import type { ChannelLog } from './channel-log.ts'
import { WsStats } from './model.ts'
import { metricsText, statsOf } from './metrics.ts'
import type { Realtime } from './service.ts'
import { releaseSocketData, releaseUpgradeContext } from './upgrade-context.ts'

const WsQuery = t.Object({
  token: t.Optional(t.String({ maxLength: 8192 })),
  since: t.Optional(t.Numeric({ minimum: 0 })),
})

export function realtimeModule(auth: AuthService, log: ChannelLog, { gateway, router, sse, metrics }: Realtime) {
  const admitted = new WeakMap<Request, Principal | null>()
  const socket = (autoJoin: (params: Record<string, string>) => string | null) => ({
    query: WsQuery,
    async beforeHandle({
      request,
      query,
      set,
    }: {
      request: Request
      query: { token?: string }
      set: { headers: Record<string, string | number> }
    }) {
      admitted.set(request, await gateway.admit(request, query.token))
      const subprotocol = router.subprotocol(request)
      if (subprotocol) set.headers['sec-websocket-protocol'] = subprotocol
    },
    afterResponse(context: Record<string, unknown>) {
      if (context.request && admitted.has(context.request as Request)) releaseUpgradeContext(context)
    },
    open(ws: {
      id: string
      raw: any
      data: { request: Request; params: Record<string, string>; query: { since?: number } }
    }) {
      const channel = autoJoin(ws.data.params ?? {})
      // an execution's own socket replays it from the start unless the client says where it left off
      const join = channel ? { channel, since: ws.data.query?.since ?? 0 } : null
      const principal = admitted.get(ws.data.request) ?? null
      const dialect = router.atUpgrade(ws.data.request)
      releaseSocketData(ws.raw.data)
      gateway.open(ws.id, ws.raw, principal, join, dialect)
    },
    message(ws: { id: string }, message: unknown) {
      const conn = gateway.connections.get(ws.id)
      if (conn) router.receive(conn, message)
    },
    close(ws: { id: string }, code?: number) {
      const conn = gateway.connections.get(ws.id)
      if (conn) gateway.closed(conn, code)
    },
    drain(ws: { id: string }) {
      gateway.connections.get(ws.id)?.drained()
    },
    // Elysia passes ping/pong the raw Bun socket (its id is in ws.data), unlike open/message/close/drain
    pong(ws: { id?: string; data?: { id?: string } }) {
      gateway.seen(ws.id ?? ws.data?.id ?? '')
    },
    detail: { hide: true },
  })

  return new Elysia({ name: 'realtime' })
    .use(authGuard(auth))
    .ws(
      '/ws',
      socket(() => null),
    )
    .ws(
      '/ws/executions/:id',
      socket((p) => taskChannel(p.id!)),
    )
    .get('/api/v1/events', ({ principal, query, request }) => sse.open(principal, query.channel, request), {
      auth: 'stream',
      query: t.Object({
        channel: t.Union([t.String(), t.Array(t.String())], { description: 'One or more channels' }),
        token: t.Optional(
          t.String({ maxLength: 8192, description: 'For EventSource, which cannot send headers: a JWT or API key' }),
        ),
      }),
      response: {
        200: t.String({ description: 'text/event-stream: `id: <seq>`, `event: <type>`, `data: <envelope JSON>`' }),
        ...errors(401, 403, 429, 503),
      },
      detail: {
        tags: ['realtime'],
        summary:
          'Server-Sent Events for clients without WebSocket: same channels, access rules, connection limits and revocation; id = seq (or channel=seq;… for several channels); resumes from Last-Event-ID',
      },
    })
    .post(
      '/api/v1/broadcast',
      async ({ body }) => {
        await log.emit(body.channel ?? 'broadcast', body.type ?? 'broadcast', body.data)
        return { ok: true }
      },
      {
        auth: 'admin',
        body: t.Object({
          channel: t.Optional(t.Union([t.Literal('broadcast'), t.Literal('system')])),
          type: t.Optional(t.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_:.-]*$' })),
          data: t.Unknown(),
        }),
        response: { 200: t.Object({ ok: t.Boolean() }), ...errors(401, 403) },
        detail: {
          tags: ['realtime'],
          summary: 'Publish a message to every connected client on broadcast or system (admin)',
        },
      },
    )
    .get('/api/v1/ws/stats', () => statsOf(metrics), {
      auth: 'admin',
      response: { 200: WsStats, ...errors(401, 403) },
      detail: {
        tags: ['realtime'],
        summary: 'Connections, subscriptions, message counters, drops and replays (admin)',
      },
    })
    .get(
      '/metrics',
      ({ set }) => {
        set.headers['content-type'] = 'text/plain; version=0.0.4'
        return metricsText(metrics)
      },
      {
        auth: 'admin',
        response: { 200: t.String({ description: 'Prometheus text exposition format' }), ...errors(401, 403) },
        detail: { tags: ['realtime'], summary: 'Prometheus metrics (admin; scrape with an API key)' },
      },
    )
}
