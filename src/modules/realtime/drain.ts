// Waiting for a client to take what it was sent: woken by the drain signal, re-checked at least every 250 ms.

/**
 * Resolves true once `ready()`, false when `timeoutMs` passes first. `park` registers the wake-up with the transport
 * (a socket's drain event, an SSE body being read empty); the periodic re-check covers a wake-up that never comes.
 */
export async function until(
  ready: () => boolean,
  timeoutMs: number,
  park: (wake: () => void) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() >= deadline) return false
    await new Promise<void>((wake) => {
      park(wake)
      setTimeout(wake, Math.min(250, Math.max(1, deadline - Date.now())))
    })
  }
  return true
}
