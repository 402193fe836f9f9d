// Lets go of the HTTP upgrade context Elysia would otherwise keep alive for as long as the socket is open.

/** What Bun's socket data must keep for Elysia's per-socket handlers and ElysiaWS to keep working. */
const KEEP = new Set(['id', 'validator', 'open', 'message', 'drain', 'close', 'ping', 'pong'])

/*
 * Elysia's `.ws()` copies the whole request context (the Request with its URL, which carries `?token=`, the parsed
 * headers, query, cookie jar, response `set`, …) into the socket's data, and its per-socket handlers close over the
 * original for the socket's lifetime. Nothing reads either after the upgrade is done, so dropping them saves
 * about two kilobytes per idle connection and keeps no token string in memory.
 */

/** From `open`, after taking what the connection needs: empties the socket data's copy of the context. */
export function releaseSocketData(data: Record<string, unknown>): void {
  for (const key of Object.keys(data)) if (!KEEP.has(key)) delete data[key]
}

/**
 * From the route's own `afterResponse` (it runs after the global ones, which still read the request): empties the
 * original.
 */
export function releaseUpgradeContext(context: Record<string, unknown>): void {
  for (const key of Object.keys(context)) delete context[key]
}
