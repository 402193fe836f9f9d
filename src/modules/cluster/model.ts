// The cluster's shapes: Redis key names, a node's advertised info, and the node-to-node RPC messages.
import { Type as T, type Static } from '@sinclair/typebox'

export const NodeInfo = T.Object(
  {
    id: T.String({ description: 'CCHUB_NODE_ID of the node' }),
    url: T.String({ description: 'Where the node listens (as it sees itself)' }),
    started_at: T.String({ format: 'date-time' }),
    version: T.String(),
  },
  { title: 'ClusterNode' },
)
export type NodeInfo = Static<typeof NodeInfo>

export const NodeList = T.Object({
  self: T.String({ description: 'The node that answered' }),
  lease_ms: T.Integer({ description: 'CCHUB_NODE_LEASE_MS: a node silent longer than this is declared dead' }),
  nodes: T.Array(NodeInfo),
})

export const RpcRequest = T.Object({
  id: T.String(),
  from: T.String(),
  method: T.String(),
  payload: T.Unknown(),
})
export type RpcRequest = Static<typeof RpcRequest>

export const RpcError = T.Object({
  code: T.String(),
  status: T.Integer(),
  message: T.String(),
  details: T.Optional(T.Record(T.String(), T.Unknown())),
})

export const RpcReply = T.Union([
  T.Object({ id: T.String(), ok: T.Literal(true), value: T.Unknown() }),
  T.Object({ id: T.String(), ok: T.Literal(false), error: RpcError }),
])
export type RpcReply = Static<typeof RpcReply>

/** Every Redis key and channel the cluster layer uses, under CCHUB_REDIS_PREFIX. */
export function clusterKeys(prefix: string) {
  return {
    /** All nodes ever seen and not yet reaped (sorted set, score = last renewal). */
    nodes: `${prefix}nodes`,
    /** A node's lease (string with its NodeInfo, expiring after CCHUB_NODE_LEASE_MS). */
    lease: (node: string) => `${prefix}node:${node}`,
    leasePrefix: `${prefix}node:`,
    /** Executions a node has taken and not finished (set). */
    executions: (node: string) => `${prefix}node-executions:${node}`,
    /** Held by the one survivor that interrupts a dead node's executions. */
    reapLock: (node: string) => `${prefix}reap:${node}`,
    /** The node holding a session's CLI process. */
    sessionOwner: (session: string) => `${prefix}session-owner:${session}`,
    rpcRequests: (node: string) => `${prefix}rpc:${node}`,
    rpcReplies: (node: string) => `${prefix}rpc-reply:${node}`,
  }
}
export type ClusterKeys = ReturnType<typeof clusterKeys>
