// Raw WebSocket helpers shared by the transport and the outbox: the open state, a quiet close, waiting for the close.
export const OPEN = 1

/** Detaches our handlers before closing, so a socket we dropped is never reported closed a second time. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  ws.onmessage = null
  ws.onclose = null
  try {
    ws.close(code, reason.slice(0, 120))
  } catch {
    // already closed
  }
}

/** Resolves on the close event, or after 1 s: a dead peer never completes the close handshake. */
export function onceClosed(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000)
    ws.addEventListener('close', () => (clearTimeout(timer), resolve()))
  })
}
