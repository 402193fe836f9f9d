// What every benchmark gets (sizes, output) and gives back (rows of the summary table).
import { loadavg } from 'node:os'

export type Preset = 'quick' | 'default' | 'full'

export interface Ctx {
  preset: Preset
  /** Pick a size by preset. */
  size<T>(quick: T, dflt: T, full: T): T
  /** Prints one JSON result line to stdout (with the bench name, time and load added). */
  out(result: Record<string, unknown>): void
  /** When set, cchub servers write CPU profiles here. */
  profileDir?: string
  log(msg: string): void
}

export interface Row {
  bench: string
  metric: string
  cchub: string
  bun?: string
  node?: string
  /** cchub ÷ peer, oriented so that > 1 means cchub is better unless `lowerIsBetter`. */
  ratio_bun?: number | null
  ratio_node?: number | null
  target: string
  met: boolean | null
  note?: string
}

export const load1 = () => Math.round(loadavg()[0]! * 100) / 100

export function makeCtx(preset: Preset, profileDir?: string): Ctx {
  return {
    preset,
    profileDir,
    size: (q, d, f) => (preset === 'quick' ? q : preset === 'full' ? f : d),
    out(result) {
      process.stdout.write(JSON.stringify({ ...result, at: new Date().toISOString(), load1: load1() }) + '\n')
    },
    log(msg) {
      process.stderr.write(`[bench] ${msg}\n`)
    },
  }
}

export const fmt = (v: number, digits = 0) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a'
export const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? Math.round((a / b) * 100) / 100 : null)
