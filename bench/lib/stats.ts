// Percentiles and small formatting helpers for benchmark results.

export interface Summary {
  n: number
  mean: number
  p50: number
  p99: number
  p999: number
  max: number
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d

/** Nearest-rank percentiles of `values` (copied, then sorted). */
export function summarize(values: Float64Array | number[]): Summary {
  const a = Float64Array.from(values).sort()
  const n = a.length
  if (!n) return { n: 0, mean: 0, p50: 0, p99: 0, p999: 0, max: 0 }
  const at = (q: number) => a[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!
  let sum = 0
  for (let i = 0; i < n; i++) sum += a[i]!
  return {
    n,
    mean: round(sum / n),
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(a[n - 1]!),
  }
}

export { round }
