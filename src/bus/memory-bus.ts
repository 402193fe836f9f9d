// The in-process EventBus: synchronous fan-out to local subscribers.
import type { BusMessage, EventBus } from './event-bus.ts'

export class MemoryBus implements EventBus {
  private handlers: ((m: BusMessage) => void)[] = []

  publish(message: BusMessage): void {
    for (const h of this.handlers) {
      try {
        h(message)
      } catch {
        // one broken subscriber must not starve the others (contract)
      }
    }
  }

  subscribe(handler: (m: BusMessage) => void): () => void {
    this.handlers = [...this.handlers, handler]
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler)
    }
  }

  async close(): Promise<void> {
    this.handlers = []
  }
}
