// GET /health: liveness, version, uptime, database and Claude CLI status; the one route without auth.
import { Elysia, t } from 'elysia'
import type { ClaudeCli } from '../../core/claude-bin.ts'
import type { Store } from '../../store/store.ts'

export const HealthBody = t.Object(
  {
    status: t.Union([t.Literal('ok'), t.Literal('degraded')]),
    version: t.String(),
    uptime_s: t.Number(),
    db: t.Union([t.Literal('ok'), t.Literal('error')]),
    claude: t.Nullable(t.Object({ path: t.String(), version: t.String() })),
  },
  { title: 'Health' },
)

export function healthModule(deps: { store: Store; version: string; startedAt: number; claude: () => Promise<ClaudeCli | null> }) {
  return new Elysia({ name: 'health' }).get('/health', async () => {
    const db = (await deps.store.ping()) ? 'ok' : 'error'
    return {
      status: db === 'ok' ? 'ok' : 'degraded',
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 100) / 10,
      db,
      claude: await deps.claude(),
    } as const
  }, {
    response: { 200: HealthBody },
    detail: { tags: ['health'], summary: 'Server health (no auth)', security: [] },
  })
}
