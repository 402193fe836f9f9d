// In-process notifications between modules (token revoked, user disabled, access changed); not client events.
export interface SignalMap {
  'token-revoked': { jti: string }
  'api-key-revoked': { keyId: string }
  'user-disabled': { userId: string }
  /** A password change: the user's tokens with an older `tva` than `before` no longer hold. */
  'tokens-revoked': { userId: string; before: number }
  'access-changed': { userId?: string; workspaceId?: string; sessionId?: string }
}

type Handler<K extends keyof SignalMap> = (payload: SignalMap[K]) => void

export class Signals {
  private readonly handlers = new Map<keyof SignalMap, Set<Handler<never>>>()
  /** Also sends each emitted signal to the other nodes, when there are any (src/bus/signal-relay.ts). */
  forward: (<K extends keyof SignalMap>(name: K, payload: SignalMap[K]) => void) | null = null

  on<K extends keyof SignalMap>(name: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(name)
    if (!set) this.handlers.set(name, (set = new Set()))
    set.add(handler as Handler<never>)
    return () => set.delete(handler as Handler<never>)
  }

  /** Handlers run synchronously; one that throws does not stop the others. Then the other nodes are told. */
  emit<K extends keyof SignalMap>(name: K, payload: SignalMap[K]): void {
    this.receive(name, payload)
    this.forward?.(name, payload)
  }

  /** Runs this node's handlers only: for a signal another node emitted. */
  receive<K extends keyof SignalMap>(name: K, payload: SignalMap[K]): void {
    for (const h of this.handlers.get(name) ?? []) {
      try {
        ;(h as Handler<K>)(payload)
      } catch {
        // a broken listener must not break the emitter's caller
      }
    }
  }
}
