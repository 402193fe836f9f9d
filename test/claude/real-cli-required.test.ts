// Real-CLI suites never skip silently in CI: a missing CLI is an error when CI=true, elsewhere a skip with a reason.
import { expect, test } from 'bun:test'
import { REAL_CLAUDE, requireRealCli } from '../support/real-cli.ts'

const MISSING = '/nonexistent/node_modules/.bin/claude'

test('with CI=true a missing CLI throws (the suite fails), naming the path', () => {
  expect(() => requireRealCli('some suite', MISSING, { CI: 'true' })).toThrow(
    /some suite.*\/nonexistent\/node_modules\/\.bin\/claude.*CI=true/,
  )
})

test('outside CI a missing CLI skips the suite', () => {
  expect(requireRealCli('some suite', MISSING, {})).toBe(false)
})

test('an installed CLI runs the suite, CI or not', () => {
  expect(requireRealCli('some suite', REAL_CLAUDE, { CI: 'true' })).toBe(true)
})
