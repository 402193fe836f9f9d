// Node-to-node calls over Redis pub/sub: a request on rpc:<node>, the reply on rpc-reply:<caller>, a bounded wait.
import type { RedisClient } from 'bun'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { AppError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import { RpcReply, RpcRequest, type ClusterKeys } from './model.ts'

const isRequest = TypeCompiler.Compile(RpcRequest)
const isReply = TypeCompiler.Compile(RpcReply)

export type RpcHandler = (payload: unknown) => Promise<unknown>

// a second: a node that died is reaped within its lease, after which the session moves to the node asked
const RETRY = { 'retry-after': '1' }

export const unavailable = (node: string, why: string) =>
  new AppError('NODE_UNAVAILABLE', 503, `Node ${node}, which holds this session, ${why}; try again shortly`, {
    details: { node },
    headers: RETRY,
  })

/** While Redis is away no node can be told anything (commands fail at once rather than queue). */
export const redisDown = () =>
  new AppError(
    'NODE_UNAVAILABLE',
    503,
    'Redis does not answer, so the node holding this session cannot be reached; try again shortly',
    { headers: RETRY },
  )

/**
 * Redis rather than HTTP between nodes: nodes need no addresses of one another and no port or secret beyond the
 * Redis they already share, and PUBLISH counts the receivers, so a node that is gone is known at once instead of
 * after a connect timeout. Pub/sub is at-most-once, which suits a call: a lost request or reply ends in the timeout.
 */
export class NodeRpc {
  private readonly handlers = new Map<string, RpcHandler>()
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()

  constructor(
    private readonly deps: {
      redis: RedisClient
      /** A connection of its own: a subscribed Redis connection can do nothing else. */
      subscriber: RedisClient
      keys: ClusterKeys
      nodeId: string
      timeoutMs: number
      logger: Logger
    },
  ) {}

  handle(method: string, fn: RpcHandler): void {
    this.handlers.set(method, fn)
  }

  private readonly onRequest = (raw: string) => void this.serve(raw)
  private readonly onReply = (raw: string) => this.settle(raw)

  async start(): Promise<void> {
    await this.subscribe(false)
    // Bun reconnects the socket but not its subscriptions
    this.deps.subscriber.onconnect = () => {
      void this.subscribe(true).catch(() => {}) // dropped again: the next onconnect renews them
    }
  }

  /**
   * `ifListening`: a node nobody listens for (gone) resolves undefined at once instead of failing. `timeoutMs`: for a
   * call known to take longer than a routed command.
   */
  async call(
    node: string,
    method: string,
    payload: unknown,
    o: { ifListening?: boolean; timeoutMs?: number } = {},
  ): Promise<unknown> {
    const id = Bun.randomUUIDv7()
    const { redis, keys, nodeId } = this.deps
    const timeoutMs = o.timeoutMs ?? this.deps.timeoutMs
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }))
    const timer = setTimeout(() => this.fail(id, unavailable(node, `did not answer within ${timeoutMs} ms`)), timeoutMs)
    try {
      const request: RpcRequest = { id, from: nodeId, method, payload }
      const receivers = await redis.publish(keys.rpcRequests(node), JSON.stringify(request)).catch(() => {
        throw redisDown()
      })
      if (receivers === 0) {
        if (o.ifListening) return undefined
        this.fail(id, unavailable(node, 'is not reachable'))
      }
      return await answer
    } finally {
      clearTimeout(timer)
      this.pending.delete(id)
    }
  }

  /** `renew`: drop the old listeners first, or each reconnect would add another one. */
  private async subscribe(renew: boolean): Promise<void> {
    const { subscriber, keys, nodeId } = this.deps
    for (const [channel, listener] of [
      [keys.rpcRequests(nodeId), this.onRequest],
      [keys.rpcReplies(nodeId), this.onReply],
    ] as const) {
      if (renew) await subscriber.unsubscribe(channel)
      await subscriber.subscribe(channel, listener)
    }
  }

  /** Pending calls fail now rather than at their timeout. */
  stop(): void {
    this.deps.subscriber.onconnect = null
    for (const id of [...this.pending.keys()]) this.fail(id, unavailable(this.deps.nodeId, 'is shutting down'))
  }

  private fail(id: string, err: Error): void {
    this.pending.get(id)?.reject(err)
    this.pending.delete(id)
  }

  private settle(raw: string): void {
    const reply = parse(raw)
    if (!isReply.Check(reply)) return
    const p = this.pending.get(reply.id)
    if (!p) return
    if (reply.ok) p.resolve(reply.value)
    else
      p.reject(
        new AppError(reply.error.code, reply.error.status, reply.error.message, { details: reply.error.details }),
      )
  }

  private async serve(raw: string): Promise<void> {
    const req = parse(raw)
    if (!isRequest.Check(req)) {
      this.deps.logger.warn('cluster rpc: malformed request ignored')
      return
    }
    let reply: RpcReply
    try {
      const handler = this.handlers.get(req.method)
      if (!handler) throw new AppError('INTERNAL_ERROR', 500, `Node ${this.deps.nodeId} has no ${req.method} handler`)
      reply = { id: req.id, ok: true, value: await handler(req.payload) }
    } catch (err) {
      reply = { id: req.id, ok: false, error: toRpcError(err, this.deps.logger, req.method) }
    }
    await this.deps.redis.publish(this.deps.keys.rpcReplies(req.from), JSON.stringify(reply)).catch(() => 0)
  }
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}

function toRpcError(err: unknown, logger: Logger, method: string) {
  if (err instanceof AppError)
    return {
      code: err.code,
      status: err.status,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
    }
  // like the HTTP mapper: the cause is logged here, the caller gets the generic shape
  logger.error('cluster rpc handler failed', { method, error: String(err) })
  return { code: 'INTERNAL_ERROR', status: 500, message: 'Internal error on another node' }
}
