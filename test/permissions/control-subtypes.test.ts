// Unit: a control_request subtype cchub does not know gets an error control_response and a log line, never silence.
import { expect, test } from 'bun:test'
import { createLogger } from '../../src/core/logger.ts'
import type { ExecutionRun } from '../../src/modules/claude/engine/execution-run.ts'
import { PermissionService } from '../../src/modules/permissions/service.ts'
import { ManualClock } from '../support/manual-clock.ts'

test('an unknown control_request subtype is answered with an error and logged', () => {
  const lines: string[] = []
  const answers: unknown[] = []
  // only the unknown-subtype path runs: it needs the logger and the run, nothing stored
  const service = new PermissionService({
    logger: createLogger('warn', (l) => void lines.push(l)),
    clock: new ManualClock(),
    timeoutMs: 1000,
  } as never)
  const run = { execution: { id: 'exec-1' }, answer: (r: unknown) => answers.push(r) } as unknown as ExecutionRun
  service.onControl(
    { type: 'control_request', request_id: 'r-9', request: { subtype: 'hook_callback', callback_id: 'x' } },
    run,
  )
  expect(answers).toEqual([
    { subtype: 'error', request_id: 'r-9', error: 'cchub does not handle control_request subtype "hook_callback"' },
  ])
  expect(lines.join('')).toContain('unknown control_request from the Claude CLI')
  expect(lines.join('')).toContain('hook_callback')
})
