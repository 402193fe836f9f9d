// The one WebSocket of this tab: the project's SDK, authenticated by an `auth` message with a fresh token each time.
import { effect, signal } from '@preact/signals'
import { CchubClient, type ConnectionState } from '../../src/client/index.ts'
import { accessToken, me } from './auth.ts'

export const connection = signal<ConnectionState | 'idle'>('idle')
let client: CchubClient | null = null

/** The signed-in user's client, connecting on first use. */
export function realtime(): CchubClient {
  if (!client) {
    const c = new CchubClient({ url: location.origin, tokenProvider: accessToken, authMode: 'message' })
    c.on('state', (state) => {
      if (client === c) connection.value = state
    })
    c.on('error', (err) => console.warn('cchub realtime:', err.message))
    void c.connect().catch(() => {})
    client = c
  }
  return client
}

// signing out closes the socket and drops every subscription with it
effect(() => {
  if (me.value === null && client) {
    const c = client
    client = null
    connection.value = 'idle'
    void c.close()
  }
})
