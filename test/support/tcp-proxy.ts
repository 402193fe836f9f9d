// A TCP proxy a test can cut and restore, to break a client's connection to a shared service without stopping it.
import type { Socket, TCPSocketListener } from 'bun'

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void
  restore(): void
  close(): void
}

interface Pair {
  upstream: Socket<Pair> | null
  client: Socket<Pair>
  /** Bytes the client sent before the upstream connection was open. */
  early: Uint8Array[]
}

export function startTcpProxy(target: { host: string; port: number }): TcpProxy {
  let open = true
  const pairs = new Set<Pair>()
  const end = (p: Pair) => {
    pairs.delete(p)
    p.client.end()
    p.upstream?.end()
  }
  const server: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(client) {
        if (!open) return void client.end()
        const pair: Pair = { upstream: null, client, early: [] }
        client.data = pair
        pairs.add(pair)
        void Bun.connect<Pair>({
          hostname: target.host,
          port: target.port,
          data: pair,
          socket: {
            open(up) {
              pair.upstream = up
              for (const chunk of pair.early) up.write(chunk)
              pair.early = []
            },
            data: (_up, chunk) => void pair.client.write(chunk),
            close: () => end(pair),
            error: () => end(pair),
          },
        }).catch(() => end(pair))
      },
      data(client, chunk) {
        const p = client.data
        if (p.upstream) p.upstream.write(chunk)
        else p.early.push(new Uint8Array(chunk))
      },
      close: (client) => client.data && end(client.data),
      error: (client) => client.data && end(client.data),
    },
  })
  return {
    port: server.port,
    cut() {
      open = false
      for (const p of [...pairs]) end(p)
    },
    restore() {
      open = true
    },
    close() {
      open = false
      for (const p of [...pairs]) end(p)
      server.stop(true)
    },
  }
}
