// The last N published frames per channel, so a replay can hand over to live delivery without a store round-trip.
export interface Frame {
  seq: number
  frame: string
}

/**
 * Bounded three ways: frames per channel (`perChannel`, trimmed back to it at twice that), channels (`maxChannels`)
 * and total frame characters (`maxChars`). Over a bound, the least recently written channel's ring goes first; the
 * channel being written is trimmed from its oldest frame only when it alone is over the budget. Losing frames here
 * never loses data: a replay the ring no longer covers reads the store.
 */
export class RecentRing {
  private readonly rings = new Map<string, Frame[]>()
  private chars = 0

  constructor(
    private readonly perChannel: number,
    private readonly maxChannels: number,
    private readonly maxChars = Infinity,
  ) {}

  push(channel: string, f: Frame): void {
    let ring = this.rings.get(channel)
    if (!ring) {
      if (this.rings.size >= this.maxChannels) this.dropOldestChannel()
      ring = []
    } else {
      this.rings.delete(channel)
    }
    // re-inserting keeps Map order = least recently written first, which is what eviction drops
    this.rings.set(channel, ring)
    ring.push(f)
    this.chars += f.frame.length
    if (ring.length > this.perChannel * 2) this.trim(ring, ring.length - this.perChannel)
    while (this.chars > this.maxChars && this.rings.size > 1) this.dropOldestChannel()
    if (this.chars > this.maxChars) this.trim(ring, countOver(ring, this.chars - this.maxChars))
  }

  /** Frames with after < seq <= upTo, or null if the ring does not reach back to after + 1. */
  after(channel: string, after: number, upTo: number): Frame[] | null {
    if (after >= upTo) return []
    const ring = this.rings.get(channel)
    if (!ring?.length || ring[0]!.seq > after + 1) return null
    const out: Frame[] = []
    for (let i = ring.length - 1; i >= 0; i--) {
      const f = ring[i]!
      if (f.seq <= after) break
      if (f.seq <= upTo) out.push(f)
    }
    return out.reverse()
  }

  /** Total characters of the frames kept. */
  get size(): number {
    return this.chars
  }

  private dropOldestChannel(): void {
    const [channel, ring] = this.rings.entries().next().value!
    this.rings.delete(channel)
    for (const f of ring) this.chars -= f.frame.length
  }

  private trim(ring: Frame[], n: number): void {
    for (const f of ring.splice(0, n)) this.chars -= f.frame.length
  }
}

/** How many frames from the front of `ring` add up to at least `chars` characters. */
function countOver(ring: Frame[], chars: number): number {
  let n = 0
  for (let sum = 0; sum < chars && n < ring.length; n++) sum += ring[n]!.frame.length
  return n
}
