// A TCP proxy in the test process, to make a shared service (PostgreSQL, Redis) unreachable for one client without stopping it.
import type { Socket } from 'bun'

export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1: point the client here instead of at the service. */
  readonly port: number
  /** Drops every connection and stops listening, so connecting is refused as with a stopped service. */
  cut(): void
  /** Listens (on the same port) and forwards again. */
  restore(): void
  stop(): void
}

/** One side of a link: what could not be written yet waits for `drain` (Bun's write may take only part of a chunk). */
interface Side {
  socket?: Socket<Side>
  pending: Uint8Array[]
  peer?: Side
}

function send(side: Side, chunk: Uint8Array): void {
  if (!side.socket || side.pending.length) return void side.pending.push(chunk)
  const n = side.socket.write(chunk)
  if (n >= 0 && n < chunk.length) side.pending.push(chunk.subarray(n))
}

function flush(side: Side): void {
  while (side.socket && side.pending.length) {
    const chunk = side.pending[0]!
    const n = side.socket.write(chunk)
    if (n < 0) return
    if (n < chunk.length) return void (side.pending[0] = chunk.subarray(n))
    side.pending.shift()
  }
}

const handlers = {
  data: (s: Socket<Side>, chunk: Buffer) => s.data?.peer && send(s.data?.peer, new Uint8Array(chunk)),
  drain: (s: Socket<Side>) => s.data && flush(s.data),
  close: (s: Socket<Side>) => void s.data?.peer?.socket?.end(),
  error: (s: Socket<Side>) => void s.data?.peer?.socket?.end(),
}

/** Forwards every connection to `target` until cut. */
export function startTcpProxy(target: { hostname: string; port: number }): TcpProxy {
  const live = new Set<Socket<Side>>()
  const accept = (client: Socket<Side>) => {
    const up: Side = { pending: [] }
    client.data = { socket: client, pending: [], peer: up }
    up.peer = client.data
    live.add(client)
    const connected = (s: Socket<Side>) => {
      // cut while connecting: this one must not get through either
      if (!live.has(client)) return void s.end()
      up.socket = s
      live.add(s)
      flush(up)
    }
    Bun.connect<Side>({ ...target, data: up, socket: { ...handlers, open: connected } }).catch(() => client.end())
  }
  const listen = (port: number) =>
    Bun.listen<Side>({ hostname: '127.0.0.1', port, socket: { ...handlers, open: accept } })
  let listener: ReturnType<typeof listen> | null = listen(0)
  const port = listener.port
  const cut = () => {
    // no listener: connecting is refused at once, as with a stopped server
    listener?.stop(true)
    listener = null
    for (const s of live) s.end()
    live.clear()
  }
  return {
    port,
    cut,
    restore() {
      listener ??= listen(port)
    },
    stop: cut,
  }
}
