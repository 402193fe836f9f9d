// The one polling helper: waits until a condition holds (checked every few ms), or fails naming what it waited for.
/** `what` may be a function, for a message that shows the state at the time of failure. */
export async function waitFor(
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await pred())) {
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`)
    await Bun.sleep(5)
  }
}
