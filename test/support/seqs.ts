// The one seq-gap check: a client got exactly after+1, after+2, … (each once, in order), optionally up to `through`.
import { expect } from 'bun:test'

export function expectSeqs(seqs: number[], after: number, opts: { through?: number; what?: string } = {}): void {
  const what = opts.what ?? 'seqs'
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== after + 1 + i) {
      throw new Error(
        `${what}: expected seq ${after + 1 + i} at index ${i}, got ${seqs[i]} (around ${seqs.slice(Math.max(0, i - 3), i + 4).join(',')})`,
      )
    }
  }
  if (opts.through !== undefined) expect({ what, count: seqs.length }).toEqual({ what, count: opts.through - after })
}
