// Shared pieces of the client SDK suite: a server with a logged-in admin, a steady publisher, socket drops.
import { CchubClient, type CchubClientOptions, type ConnectionState } from '../../src/client/index.ts'
import type { Config } from '../../src/config/schema.ts'
import { startTestServer, type TestServer } from '../support/server.ts'

export interface Fixture {
  server: TestServer
  token: string
  userId: string
  /** The admin's own durable channel: readable without any other module. */
  channel: string
}

export async function fixture(overrides: Partial<Config> = {}, dataDir?: string): Promise<Fixture> {
  const server = await startTestServer(overrides, dataDir)
  const token = await server.login()
  const me = (await (await server.api('/api/v1/users/me', { token })).json()) as { id: string }
  return { server, token, userId: me.id, channel: `user:${me.id}` }
}

/** Client options tuned for tests: fast backoff, no background ping unless asked for. */
export function fastClient(url: string, opts: Partial<CchubClientOptions>): CchubClient {
  return new CchubClient({ url, reconnect: { baseMs: 20, maxMs: 200 }, pingIntervalMs: 0, rateLimit: null, ...opts })
}

/** Emits on `channel` every `everyMs` through whatever `emit` currently points at, until stopped. */
export function startPublisher(
  emit: () => (channel: string, type: string, data: unknown) => Promise<unknown>,
  channel: string,
  everyMs = 2,
) {
  let running = true
  let sent = 0
  const done = (async () => {
    while (running) {
      await emit()(channel, 'event', { n: ++sent })
      await Bun.sleep(everyMs)
    }
  })()
  return {
    get sent() {
      return sent
    },
    /** Stops and resolves once the last emit is stored and published. */
    async stop(): Promise<number> {
      running = false
      await done
      return sent
    },
  }
}

export function recordStates(client: CchubClient): ConnectionState[] {
  const states: ConnectionState[] = []
  client.on('state', (s) => states.push(s))
  return states
}

/** Closes every open server-side socket, as a crash of the connection would (code 1011). */
export function dropAllSockets(server: TestServer): number {
  const conns = [...server.services.gateway.connections.values()]
  for (const c of conns) c.close(1011, 'test drop')
  return conns.length
}
