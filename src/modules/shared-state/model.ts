// Shapes of the cluster-wide user-facing state: Redis key names and the presence messages between nodes.
import { Type as T, type Static } from '@sinclair/typebox'
import { clusterKeys } from '../cluster/model.ts'

/** One user's presence in one session on one node, as the other nodes see it. */
export const PresenceInfo = T.Object({
  username: T.String(),
  role: T.Union([T.Literal('owner'), T.Literal('collaborator'), T.Literal('viewer')]),
  connections: T.Integer({ minimum: 0 }),
})
export type PresenceInfo = Static<typeof PresenceInfo>

/** A node's presence entry changed (`info` null: gone, for `reason`); sent on the control channel. */
export const PresenceChange = T.Object({
  session_id: T.String(),
  user_id: T.String(),
  info: T.Union([PresenceInfo, T.Null()]),
  reason: T.String(),
})
export type PresenceChange = Static<typeof PresenceChange>

/** Every Redis key of the shared state, under CCHUB_REDIS_PREFIX; node liveness is the cluster lease. */
export function sharedKeys(prefix: string) {
  const cluster = clusterKeys(prefix)
  return {
    nodes: cluster.nodes,
    leasePrefix: cluster.leasePrefix,
    lease: cluster.lease,
    /** A node's presence entries (hash `<session>|<user>` → PresenceInfo JSON), expiring with the node. */
    presence: (node: string) => `${prefix}presence:${node}`,
    presencePrefix: `${prefix}presence:`,
    /** A node's open streams per user (hash user → count), expiring with the node. */
    connections: (node: string) => `${prefix}connections:${node}`,
    connectionsPrefix: `${prefix}connections:`,
  }
}
export type SharedKeys = ReturnType<typeof sharedKeys>
