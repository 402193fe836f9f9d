// The child side of the JSON-line control channel: requests on stdin, replies and events on stdout; stdin EOF = exit.
export type Handler = (req: Record<string, any>) => unknown

const out = Bun.stdout.writer()

/** Writes one JSON line to stdout (a reply, an event, or the ready line). */
export function send(msg: Record<string, unknown>): void {
  out.write(JSON.stringify(msg) + '\n')
  out.flush()
}

/**
 * Dispatches each request to `handlers[op]` (requests run concurrently) and replies `{id, ok: true, ...result}` or
 * `{id, ok: false, error}`. When stdin closes (the parent is gone or done) `onEnd` runs and the process exits.
 */
export function serveControl(handlers: Record<string, Handler>, onEnd: () => Promise<void> | void): void {
  let ending = false
  const end = async (code: number) => {
    if (ending) return
    ending = true
    const hard = setTimeout(() => process.exit(code), 15_000)
    try {
      await onEnd()
    } catch (err) {
      process.stderr.write(`cleanup failed: ${String(err)}\n`)
    }
    clearTimeout(hard)
    await out.flush()
    process.exit(code)
  }
  process.on('SIGTERM', () => void end(0))
  process.on('SIGINT', () => void end(0))
  void (async () => {
    const decoder = new TextDecoder()
    let buf = ''
    for await (const chunk of Bun.stdin.stream()) {
      buf += decoder.decode(chunk, { stream: true })
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.trim()) void dispatch(line)
      }
    }
    await end(0)
  })()

  async function dispatch(line: string): Promise<void> {
    let req: Record<string, any>
    try {
      req = JSON.parse(line)
    } catch {
      return
    }
    const h = handlers[req.op]
    if (!h) return send({ id: req.id, ok: false, error: `unknown op ${req.op}` })
    try {
      const result = (await h(req)) ?? {}
      send({ id: req.id, ok: true, ...(result as Record<string, unknown>) })
    } catch (err) {
      send({ id: req.id, ok: false, error: err instanceof Error ? `${err.message}` : String(err) })
    }
  }
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now()
