// The seeds' wire formats (docs/protocol.md, Dialects): each seed's dialect registered with the realtime hub.
import type { Services } from '../../app.ts'
import { seed002 } from './seed-002.ts'
import { seed004 } from './seed-004/index.ts'

export function registerDialects(services: Pick<Services, 'realtime'>): void {
  services.realtime.dialects.use(seed002)
  services.realtime.dialects.use(seed004)
}
