// A minimal typed event emitter; a throwing listener never stops the others or the client.
type Listener = (...args: never[]) => void

export class Emitter<Events extends { [K in keyof Events]: Listener }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>()

  constructor(private readonly onListenerError: (err: unknown, event: keyof Events) => void = () => {}) {}

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => void set.delete(listener)
  }

  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        ;(listener as (...a: Parameters<Events[K]>) => void)(...args)
      } catch (err) {
        this.onListenerError(err, event)
      }
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}
