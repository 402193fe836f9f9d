// CPU accounting over a measured window: each process's CPU seconds, and how busy the whole machine was meanwhile.
import { readFileSync } from 'node:fs'
import { cpuOf, eachProc } from './proc.ts'

// On a shared machine wall-clock rates measure the other work too; CPU seconds per process do not (much), and the
// machine's busy share says how much of the window's CPU anything else took.

/** Busy and total jiffies of all cores since boot, from the first line of /proc/stat (zeros when not Linux). */
function machineJiffies(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number)
    const total = f.reduce((a, v) => a + v, 0)
    const idle = (f[3] ?? 0) + (f[4] ?? 0) // idle + iowait
    return { busy: total - idle, total }
  } catch {
    return { busy: 0, total: 0 }
  }
}

/** Pids whose command name (`comm`) is one of `names`: the machine's PostgreSQL and Redis servers. */
export function pidsNamed(...names: string[]): number[] {
  const out: number[] = []
  eachProc((pid, read) => {
    const comm = read('comm')?.trim()
    if (comm && names.includes(comm)) out.push(pid)
  })
  return out
}

export interface CpuWindow {
  wall_s: number
  /** CPU seconds (user + system) used in the window, per label. */
  cpu_s: Record<string, number>
  /** Share of all cores' time the machine was busy in the window (everything, not only ours), percent. */
  machine_busy_pct: number
  /** Cores' worth of CPU used by processes not labelled here (other jobs on the machine), averaged over the window. */
  others_cores: number
}

const round3 = (v: number) => Math.round(v * 1000) / 1000

/** Starts a window over the labelled processes (each label: one pid or several, summed); `stop()` ends it. */
export function cpuWindow(procs: Record<string, number | number[]>): { stop(): CpuWindow } {
  const pids = Object.entries(procs).map(([k, v]) => [k, Array.isArray(v) ? v : [v]] as const)
  const before = new Map(pids.flatMap(([, list]) => list.map((p) => [p, cpuOf(p)] as const)))
  // a process that exited in the window reads 0: count it as nothing rather than negative
  const used = (list: readonly number[]) => list.reduce((a, p) => a + Math.max(0, cpuOf(p) - before.get(p)!), 0)
  const m0 = machineJiffies()
  const t0 = performance.now()
  return {
    stop() {
      const wall = (performance.now() - t0) / 1000
      const m1 = machineJiffies()
      const cpu = Object.fromEntries(pids.map(([k, list]) => [k, round3(used(list))]))
      const total = m1.total - m0.total
      const busyPct = total > 0 ? ((m1.busy - m0.busy) / total) * 100 : 0
      const cores = total > 0 && wall > 0 ? total / 100 / wall : 0
      const ours = Object.values(cpu).reduce((a, v) => a + v, 0)
      return {
        wall_s: round3(wall),
        cpu_s: cpu,
        machine_busy_pct: Math.round(busyPct),
        others_cores: round3(Math.max(0, ((busyPct / 100) * cores * wall - ours) / wall)),
      }
    },
  }
}
