// Route for /api/v1/admin/cluster: the nodes whose lease is current (admin only).
import { Elysia } from 'elysia'
import { errors } from '../../core/openapi-errors.ts'
import { authGuard } from '../auth/guard.ts'
import type { AuthService } from '../auth/service.ts'
import { NodeList } from './model.ts'
import type { ClusterNode } from './service.ts'

export function clusterModule(auth: AuthService, cluster: ClusterNode) {
  return new Elysia({ name: 'cluster', prefix: '/api/v1/admin/cluster', detail: { tags: ['admin'] } })
    .use(authGuard(auth))
    .get('/nodes', async () => ({ self: cluster.nodeId, lease_ms: cluster.leaseMs, nodes: await cluster.nodes() }), {
      auth: 'admin',
      response: { 200: NodeList, ...errors(401, 403) },
      detail: { summary: 'The cluster nodes whose lease is current, and which one answered (admin)' },
    })
}
