// GET /health: liveness, version, uptime, database, bus, node, sandbox and Claude CLI status; the one route without auth.
import { Elysia, t } from 'elysia'
import type { ClaudeCli } from '../claude/cli/binary.ts'
import type { Store } from '../../store/store.ts'
import type { SandboxStatus } from '../claude/cli/sandbox.ts'
import type { EventBus } from '../../bus/event-bus.ts'

export const HealthBody = t.Object(
  {
    status: t.Union([t.Literal('ok'), t.Literal('degraded')]),
    version: t.String(),
    uptime_s: t.Number(),
    db: t.Union([t.Literal('ok'), t.Literal('error')]),
    store: t.Object(
      {
        kind: t.Union([t.Literal('sqlite'), t.Literal('postgres')]),
        ok: t.Boolean({ description: 'false while the database does not answer (requests needing it get 503)' }),
      },
      { description: 'The database behind the store (CCHUB_DATABASE_URL selects PostgreSQL) and whether it answers' },
    ),
    claude: t.Nullable(
      t.Object({
        version: t.String(),
        path: t.Optional(t.String({ description: 'Only for an authenticated caller (bearer token or API key)' })),
      }),
    ),
    sandbox: t.Union([t.Literal('bwrap'), t.Literal('off')], {
      description: 'How Claude CLI processes are isolated (CCHUB_SANDBOX)',
    }),
    sandbox_reason: t.Optional(t.String({ description: 'Why there is no sandbox, when sandbox is off' })),
    node_id: t.String({ description: "This node's name (CCHUB_NODE_ID, else generated at start)" }),
    bus: t.Object(
      {
        kind: t.Union([t.Literal('memory'), t.Literal('redis')]),
        ok: t.Boolean({ description: 'Whether the bus delivers now (Redis answers within a second)' }),
      },
      {
        description: 'How events reach the other nodes: memory for a single node, redis (CCHUB_REDIS_URL) for several',
      },
    ),
  },
  { title: 'Health' },
)

export interface HealthDeps {
  store: Store
  version: string
  startedAt: number
  claude: () => Promise<ClaudeCli | null>
  sandbox: SandboxStatus
  nodeId: string
  bus: Pick<EventBus, 'kind' | 'ping'>
  /** True for a valid bearer token or API key: only then is the CLI's path shown. */
  authenticated: (headers: Headers) => Promise<boolean>
}

export function healthModule(deps: HealthDeps) {
  return new Elysia({ name: 'health' }).get(
    '/health',
    async ({ request }) => {
      const [ok, busOk] = await Promise.all([deps.store.ping(), deps.bus.ping()])
      const db = ok ? 'ok' : 'error'
      const cli = await deps.claude()
      const claude =
        cli &&
        ((await deps.authenticated(request.headers))
          ? { version: cli.version, path: cli.path }
          : { version: cli.version })
      return {
        status: db === 'ok' && busOk ? 'ok' : 'degraded',
        version: deps.version,
        uptime_s: Math.round((Date.now() - deps.startedAt) / 100) / 10,
        db,
        store: { kind: deps.store.kind, ok },
        claude,
        sandbox: deps.sandbox.mode,
        ...(deps.sandbox.reason ? { sandbox_reason: deps.sandbox.reason } : {}),
        node_id: deps.nodeId,
        bus: { kind: deps.bus.kind, ok: busOk },
      } as const
    },
    {
      response: { 200: HealthBody },
      detail: { tags: ['health'], summary: 'Server health (no auth; the CLI path only with auth)', security: [] },
    },
  )
}
