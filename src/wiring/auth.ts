// Auth wiring: the login throttle (shared across nodes in a cluster) and the auth service, initialised.
import type { AppDeps } from '../app.ts'
import type { Clock } from '../core/clock.ts'
import type { Signals } from '../core/signals.ts'
import { AuthService } from '../modules/auth/service.ts'
import { LoginThrottle, throttleLimits } from '../modules/auth/throttle.ts'
import { createTokenSigner } from '../modules/auth/tokens.ts'
import type { ClusterNode } from '../modules/cluster/service.ts'

export async function buildAuth(deps: AppDeps, clock: Clock, signals: Signals, node: ClusterNode | null) {
  const { loginMaxFailures, loginWindow, loginTrustedTtl } = deps.config
  const throttleOptions = {
    maxFailures: loginMaxFailures,
    windowMs: loginWindow * 1000,
    trustTtlMs: loginTrustedTtl * 1000,
    now: () => clock.now(),
  }
  const throttle = new LoginThrottle(throttleOptions, node?.throttleState(throttleLimits(throttleOptions)))
  const auth = new AuthService(deps.store, createTokenSigner(deps.jwtSecret), deps.config, signals, throttle)
  await auth.init()
  return { throttle, auth }
}
