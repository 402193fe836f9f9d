// A Redis call the request depends on (login limits, the per-user cap) failing: a clear 503 instead of a 500.
import { AppError } from '../../core/errors.ts'

/** Resolves as `p` does; a Redis failure becomes 503 REDIS_UNAVAILABLE with Retry-After, which the client may retry. */
export async function orUnavailable<T>(p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (err) {
    if (err instanceof AppError) throw err
    throw new AppError(
      'REDIS_UNAVAILABLE',
      503,
      'Redis (shared by the nodes) is not reachable right now; try again shortly',
      {
        headers: { 'retry-after': '5' },
      },
    )
  }
}
