// The in-process EventBus: synchronous fan-out to local subscribers.
import { runEach, type BusMessage, type EventBus } from './event-bus.ts'

export class MemoryBus implements EventBus {
  readonly kind = 'memory'
  private handlers: ((m: BusMessage) => void)[] = []

  publish(message: BusMessage): void {
    runEach(this.handlers, message)
  }

  subscribe(handler: (m: BusMessage) => void): () => void {
    this.handlers = [...this.handlers, handler]
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler)
    }
  }

  /** A process-local bus never disconnects. */
  onReconnect(_handler: () => void): () => void {
    return () => {}
  }

  async ping(): Promise<boolean> {
    return true
  }

  async close(): Promise<void> {
    this.handlers = []
  }
}
