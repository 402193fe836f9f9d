// A bound on JSON nesting, checked where bodies and frames come in, before anything stores or re-serialises them.
import { AppError } from './errors.ts'

/**
 * Levels of objects and arrays a body or WebSocket frame may nest; deeper values overflow the stack when serialised.
 */
export const MAX_JSON_DEPTH = 64

/**
 * True when `value` nests plain objects or arrays more than `max` levels deep; iterative, so depth itself cannot
 * overflow it.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length) {
    const [v, depth] = stack.pop()!
    if (!isContainer(v)) continue
    if (depth > max) return true
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (isContainer(child)) stack.push([child, depth + 1])
  }
  return false
}

/** 422 VALIDATION_FAILED for a too-deep parsed body or frame (`where`: body, message). */
export function checkJsonDepth(value: unknown, where: string): void {
  if (!nestedDeeperThan(value, MAX_JSON_DEPTH)) return
  throw new AppError('VALIDATION_FAILED', 422, `Invalid ${where}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, {
    details: { in: where, max_depth: MAX_JSON_DEPTH },
  })
}

// Only what JSON.parse produces: a parsed multipart File or an ArrayBuffer body is not walked.
function isContainer(v: unknown): v is object {
  if (v === null || typeof v !== 'object') return false
  if (Array.isArray(v)) return true
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}
