// The seed-001 dialect (real-time web interface): picked by a first frame with a numeric `timestamp`, as its send() makes.
import { TokenBucket } from '../../../core/rate-limit.ts'
import type { Dialect } from '../../realtime/dialect.ts'
import { Seed001Connection, type Seed001Deps } from './connection.ts'

export interface Seed001Options extends Omit<Seed001Deps, 'allow' | 'release'> {
  /** The seed's RateLimitFilter: rate.NewLimiter(10, 10) per user, across the user's sockets. */
  rate: { perSecond: number; burst: number }
  now: () => number
}

export function seed001Dialect(o: Seed001Options): Dialect {
  /** Buckets of the users with a seed-001 socket open (dropped with their last socket). */
  const buckets = new Map<string, { bucket: TokenBucket; sockets: number }>()
  const bucket = () => new TokenBucket(o.rate.perSecond, o.rate.burst, o.now)
  return {
    name: 'seed-001',
    claimsFirstFrame: (f) =>
      !!f &&
      typeof f === 'object' &&
      typeof (f as { type?: unknown }).type === 'string' &&
      typeof (f as { timestamp?: unknown }).timestamp === 'number',
    open(io) {
      let user: string | null = null
      const own = bucket() // before authentication, the socket's own
      const allow = (userId: string | null) => {
        if (!userId) return own.take()
        if (user !== userId) {
          user = userId
          const entry = buckets.get(userId) ?? { bucket: bucket(), sockets: 0 }
          entry.sockets++
          buckets.set(userId, entry)
        }
        return buckets.get(userId)!.bucket.take()
      }
      const release = () => {
        const entry = user ? buckets.get(user) : undefined
        if (entry && --entry.sockets === 0) buckets.delete(user!)
      }
      return new Seed001Connection(io, { workspaces: o.workspaces, access: o.access, allow, release })
    },
  }
}
