// Refuses a second cchub on one PostgreSQL database unless every node has Redis: several nodes need the shared bus.
import { SQL } from 'bun'

/** Advisory lock key every cchub takes on its database for its lifetime ("cchub" in ASCII). */
const NODE_LOCK = 0x6363687562

/**
 * Holds the node lock on its own connection until the returned release: exclusive for a single node (no
 * CCHUB_REDIS_URL), shared for the nodes of a cluster. A second single node, or a single node beside a cluster, cannot
 * get it, and the start is refused with a message that says what to set. Checked at start only: a lock lost with its
 * connection while PostgreSQL restarts is not taken again.
 */
export async function holdNodeLock(url: string, clustered: boolean): Promise<() => Promise<void>> {
  const sql = new SQL(url, { max: 1, connectionTimeout: 5, idleTimeout: 0, maxLifetime: 0 })
  const take = clustered ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock'
  let held = false
  try {
    const [row] = await sql.unsafe(`SELECT ${take}(${NODE_LOCK}) AS ok`)
    held = row?.ok === true
  } finally {
    if (!held) await sql.close()
  }
  if (!held)
    throw new Error(
      clustered
        ? 'another cchub runs on this database without CCHUB_REDIS_URL: give every node the same CCHUB_REDIS_URL (docs/scale-out.md)'
        : 'another cchub already runs on this database: several nodes need CCHUB_REDIS_URL on every node (docs/scale-out.md)',
    )
  return () => sql.close()
}
