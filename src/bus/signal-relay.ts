// Carries revocation and access signals to every node over the control channel, so each ends its own streams.
import type { Signals, SignalMap } from '../core/signals.ts'
import type { EventBus } from './event-bus.ts'

const NAMES = new Set<string>([
  'token-revoked',
  'api-key-revoked',
  'user-disabled',
  'tokens-revoked',
  'access-changed',
] satisfies (keyof SignalMap)[])

/**
 * Every signal emitted here is also published on `control`; one from another node runs this node's handlers (not
 * published again). At most once, like the bus: what a break loses, the store still says (see AuthService
 * catchUpRevocations; per-request checks read users from the store). Returns the unsubscriber.
 */
export function relaySignals(signals: Signals, control: EventBus, nodeId: string): () => void {
  signals.forward = (name, payload) =>
    control.publish({ channel: 'signals', type: name, frame: JSON.stringify(payload), origin: nodeId })
  const off = control.subscribe((m) => {
    if (m.origin === nodeId || !NAMES.has(m.type)) return
    signals.receive(m.type as keyof SignalMap, JSON.parse(m.frame))
  })
  return () => {
    signals.forward = null
    off()
  }
}
