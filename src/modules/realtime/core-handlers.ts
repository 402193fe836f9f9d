// The built-in message types: auth, ping, subscribe and unsubscribe.
import { AppError } from '../../core/errors.ts'
import type { Dispatcher } from './dispatcher.ts'
import { taskChannel } from './channels.ts'
import { reply } from './envelope.ts'
import { publicUser } from './sockets.ts'
import { AuthMessage, CloseCode, PingMessage, SubscribeMessage, UnsubscribeMessage } from './model.ts'

/**
 * subscribe/unsubscribe name the channel in `channel`, `data.channel`, or `data.taskId` (docs/protocol.md, seed 003
 * style clients).
 */
function channelOf(msg: { channel?: string; data?: { channel?: string; taskId?: string } }): string {
  const ch = msg.channel ?? msg.data?.channel ?? (msg.data?.taskId ? taskChannel(msg.data.taskId) : undefined)
  if (!ch)
    throw new AppError(
      'VALIDATION_FAILED',
      422,
      'channel is required, e.g. {"type":"subscribe","channel":"session:<id>"}',
    )
  return ch
}

export function registerCoreHandlers(d: Dispatcher): Dispatcher {
  return d
    .on(
      'auth',
      AuthMessage,
      async (msg, { conn, gateway, auth }) => {
        const token = msg.data.token ?? msg.data.apiKey
        if (!token) throw new AppError('VALIDATION_FAILED', 422, 'auth needs data.token (a JWT or API key)')
        let principal
        try {
          principal = await auth.authenticateToken(token)
        } catch (err) {
          if (!conn.principal) setTimeout(() => conn.close(CloseCode.AUTH_FAILED, 'authentication failed'), 50)
          throw err
        }
        try {
          if (!conn.principal) await gateway.checkUser(principal.user.id)
          gateway.authenticate(conn, principal)
        } catch (err) {
          // over the per-user limit: the socket may not stay open unauthenticated until the auth timeout
          if (!conn.principal && err instanceof AppError && err.code === 'TOO_MANY_CONNECTIONS')
            setTimeout(() => conn.close(CloseCode.TOO_MANY_CONNECTIONS, 'too many connections'), 50)
          throw err
        }
        await gateway.afterAuth(conn)
        return { action: 'auth', authenticated: true, user: publicUser(principal) }
      },
      { public: true },
    )
    .on(
      'ping',
      PingMessage,
      (msg, { conn }) => {
        const ts = msg.data?.timestamp
        conn.send(reply('pong', msg.id, { timestamp: ts ?? null, server_time: Date.now() }))
        return undefined
      },
      { public: true },
    )
    .on('subscribe', SubscribeMessage, async (msg, { conn, gateway }) => {
      return { action: 'subscribe', ...(await gateway.subscribe(conn, channelOf(msg), msg.data?.since)) }
    })
    .on('unsubscribe', UnsubscribeMessage, (msg, { conn, gateway }) => {
      const channel = channelOf(msg)
      return { action: 'unsubscribe', channel, was_subscribed: gateway.unsubscribe(conn, channel) }
    })
}
