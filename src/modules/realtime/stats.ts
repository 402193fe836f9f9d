// Counters for /api/v1/ws/stats and /metrics.
export class GatewayStats {
  connectionsOpened = 0
  received = 0
  delivered = 0
  published = 0
  backpressureCloses = 0
  rateLimited = 0
  invalid = 0
  replayRequests = 0
  replayedEvents = 0
  readonly perChannel = new Map<string, number>()

  subscribed(channel: string): void {
    this.perChannel.set(channel, (this.perChannel.get(channel) ?? 0) + 1)
  }
  unsubscribed(channel: string): void {
    const n = (this.perChannel.get(channel) ?? 1) - 1
    if (n > 0) this.perChannel.set(channel, n)
    else this.perChannel.delete(channel)
  }
}
