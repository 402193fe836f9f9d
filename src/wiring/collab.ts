// Collab wiring: participants, presence (shared with the other nodes in a cluster) and their WebSocket handlers.
import type { AppDeps } from '../app.ts'
import { createCollab, type CollabDeps } from '../modules/collab/service.ts'
import { registerCollabHandlers } from '../modules/collab/ws-handlers.ts'
import type { Dispatcher } from '../modules/realtime/dispatcher.ts'

export type CollabWiring = Omit<CollabDeps, 'store' | 'logger' | 'config'> & { dispatcher: Dispatcher }

export function buildCollab(deps: AppDeps, { dispatcher, ...w }: CollabWiring) {
  const collab = createCollab({ ...w, store: deps.store, logger: deps.logger, config: deps.config })
  registerCollabHandlers(dispatcher, collab)
  return collab
}
