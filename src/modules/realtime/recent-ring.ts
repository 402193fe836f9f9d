// The last N published frames per channel, so a replay can hand over to live delivery without a store round-trip.
export interface Frame {
  seq: number
  frame: string
}

export class RecentRing {
  private readonly rings = new Map<string, Frame[]>()

  constructor(
    private readonly perChannel: number,
    private readonly maxChannels: number,
  ) {}

  push(channel: string, f: Frame): void {
    let ring = this.rings.get(channel)
    if (!ring) {
      if (this.rings.size >= this.maxChannels) this.rings.delete(this.rings.keys().next().value!)
      ring = []
    } else {
      this.rings.delete(channel)
    }
    // re-inserting keeps Map order = least recently written first, which is what eviction drops
    this.rings.set(channel, ring)
    ring.push(f)
    if (ring.length > this.perChannel * 2) ring.splice(0, ring.length - this.perChannel)
  }

  /** Frames with after < seq <= upTo, or null if the ring does not reach back to after + 1. */
  after(channel: string, after: number, upTo: number): Frame[] | null {
    if (after >= upTo) return []
    const ring = this.rings.get(channel)
    if (!ring || !ring.length || ring[0]!.seq > after + 1) return null
    const out: Frame[] = []
    for (let i = ring.length - 1; i >= 0; i--) {
      const f = ring[i]!
      if (f.seq <= after) break
      if (f.seq <= upTo) out.push(f)
    }
    return out.reverse()
  }
}
