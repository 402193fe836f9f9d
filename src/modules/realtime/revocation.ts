// Ends what a user may no longer have: streams of a revoked token, key or disabled user; channels they may not read.
import type { Signals } from '../../core/signals.ts'
import type { UserRecord } from '../../store/records.ts'
import type { AuthService } from '../auth/service.ts'
import { parseChannel, type ChannelAccess } from './channels.ts'
import { Connection } from './connection.ts'
import { message } from './envelope.ts'
import { CloseCode } from './model.ts'
import type { SseStream } from './sse-stream.ts'
import type { StreamRegistry } from './streams.ts'

export class Revocations {
  constructor(
    private readonly streams: StreamRegistry<Connection | SseStream>,
    private readonly deps: { auth: Pick<AuthService, 'reloadUser'>; access: ChannelAccess; signals: Signals },
    /** The gateway's unsubscribe of a socket (leave bookkeeping and watchers); false when it was not subscribed. */
    private readonly unsubscribe: (conn: Connection, channel: string) => boolean,
  ) {}

  /** Follows the revocation signals; returns their unsubscribers. */
  listen(): (() => void)[] {
    const { signals } = this.deps
    const streams = this.streams
    return [
      signals.on('token-revoked', ({ jti }) =>
        streams.closeWhere((c) => c.principal?.jti === jti, CloseCode.TOKEN_REVOKED, 'token revoked'),
      ),
      signals.on('api-key-revoked', ({ keyId }) =>
        streams.closeWhere((c) => c.principal?.apiKeyId === keyId, CloseCode.TOKEN_REVOKED, 'api key revoked'),
      ),
      signals.on('user-disabled', ({ userId }) =>
        streams.closeWhere(() => true, CloseCode.USER_DISABLED, 'user disabled or deleted', userId),
      ),
      signals.on('tokens-revoked', ({ userId, before }) =>
        streams.closeWhere(
          (s) => s.principal?.via === 'jwt' && (s.principal.tva ?? 0) < before,
          CloseCode.TOKEN_REVOKED,
          'password changed',
          userId,
        ),
      ),
      signals.on('access-changed', ({ userId }) => void this.recheckAll(userId)),
    ]
  }

  /**
   * After a membership change, drops every subscription (socket) or channel (SSE stream) its user may no longer
   * read: only that user's streams, when named.
   */
  private async recheckAll(onlyUser?: string): Promise<void> {
    const users = new Map<string, Promise<UserRecord | null>>()
    for (const stream of this.streams.list(onlyUser)) {
      if (!stream.principal || stream.channels.size === 0) continue
      const id = stream.principal.user.id
      if (!users.has(id)) users.set(id, this.deps.auth.reloadUser(id))
      const user = (await users.get(id)) ?? stream.principal.user
      for (const ch of [...stream.channels]) {
        if (await this.deps.access.canRead(user, parseChannel(ch))) continue
        if (!(stream instanceof Connection)) stream.drop(ch)
        else if (this.unsubscribe(stream, ch))
          stream.send(message('unsubscribed', { reason: 'access revoked' }, { channel: ch }))
      }
    }
  }
}
