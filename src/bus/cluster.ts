// What a node of several needs from Redis (the event bus and the control channel), and when that setup is refused.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { openRedisBus, type RedisBus } from './redis-bus.ts'

export interface ClusterBuses {
  nodeId: string
  /** Durable and live channel messages between nodes. */
  bus: RedisBus
  /** Revocation and access signals between nodes. */
  control: RedisBus
  close(): Promise<void>
}

/** A name for this process among the nodes: the host's, plus random hex so two processes on one host differ. */
export function newNodeId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 48) || 'node'
  return `${host}-${randomBytes(4).toString('hex')}`
}

/**
 * Several nodes must share one store: a Redis bus over a node-local SQLite file would give every node its own seqs
 * for the same channel. Throws with what to set instead.
 */
export function checkTopology(redisUrl: string | undefined, store: 'sqlite' | 'postgres'): void {
  if (redisUrl && store === 'sqlite')
    throw new Error(
      'CCHUB_REDIS_URL is set but the store is SQLite, which several nodes cannot share: set CCHUB_DATABASE_URL=postgres://… as well, or unset CCHUB_REDIS_URL to run a single node',
    )
}

/** Connects both buses under `prefix`; rejects with a message naming Redis (never its password) when it is down. */
export async function openClusterBuses(url: string, prefix: string, nodeId: string): Promise<ClusterBuses> {
  let bus: RedisBus | undefined
  try {
    bus = await openRedisBus(url, `${prefix}events`)
    const control = await openRedisBus(url, `${prefix}control`)
    const opened = bus
    return {
      nodeId,
      bus,
      control,
      async close() {
        await opened.close()
        await control.close()
      },
    }
  } catch (err) {
    await bus?.close()
    throw new Error(
      `cannot reach Redis at ${withoutPassword(url)}: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
}

function withoutPassword(url: string): string {
  const u = new URL(url)
  if (u.password) u.password = '***'
  return u.toString()
}
