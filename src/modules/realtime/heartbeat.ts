// The heartbeat: pings every socket on an interval and closes the ones silent for longer than the idle timeout.
import type { Clock } from '../../core/clock.ts'
import type { Connection } from './connection.ts'
import { CloseCode } from './model.ts'

/** Starts the heartbeat over `connections` (read afresh on every beat); returns its stop. */
export function startHeartbeat(
  clock: Clock,
  connections: ReadonlyMap<string, Connection>,
  seconds: { pingInterval: number; idleTimeout: number },
): () => void {
  const idleMs = seconds.idleTimeout * 1000
  return clock.every(seconds.pingInterval * 1000, () => {
    const now = clock.now()
    for (const c of connections.values()) {
      if (now - c.lastSeen > idleMs) c.close(CloseCode.IDLE, 'idle timeout')
      else c.ws.ping()
    }
  })
}
