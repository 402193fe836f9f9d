// Revoked token ids: stored (a restart keeps them dead), held in memory, and learned from the other nodes by signal.
import type { Signals } from '../../core/signals.ts'
import type { Store } from '../../store/store.ts'

export class Revocations {
  private readonly revoked = new Set<string>()

  constructor(
    private readonly store: Store,
    private readonly signals: Signals,
  ) {
    // a revocation made on another node arrives as this signal: its token must stop working here too
    signals.on('token-revoked', ({ jti }) => this.revoked.add(jti))
  }

  /** Loads unexpired revocations so a restart keeps revoked tokens dead. */
  async load(): Promise<void> {
    const now = Date.now()
    await this.store.revokedTokens.prune(now)
    for (const jti of await this.store.revokedTokens.active(now)) this.revoked.add(jti)
  }

  /**
   * Learns revocations stored by other nodes while their signal could not arrive (the network bus was down), and
   * ends this node's streams of those tokens.
   */
  async catchUp(): Promise<void> {
    for (const jti of await this.store.revokedTokens.active(Date.now()))
      if (!this.revoked.has(jti)) this.signals.receive('token-revoked', { jti })
  }

  has(jti: string): boolean {
    return this.revoked.has(jti)
  }

  async revoke(jti: string, expiresAt: number): Promise<void> {
    this.revoked.add(jti)
    await this.store.revokedTokens.add(jti, expiresAt)
    this.signals.emit('token-revoked', { jti })
  }
}
