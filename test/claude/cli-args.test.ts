// CLI argv builder: flag layout, validation, each emitted flag checked against both versions' --help and the fake CLI.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { CliArgsError, PERMISSION_MODES, buildCliArgs, type CliArgsOptions } from '../../src/modules/claude/cli/args.ts'
import { REAL_CLAUDE, requireRealCli } from '../support/real-cli.ts'

const SID = '11111111-2222-4333-8444-555555555555'
const SID2 = '66666666-7777-4888-9999-000000000000'
const FAKE_CLAUDE = resolve(import.meta.dir, '../support/fake-claude')
const HELP_197 = join(import.meta.dir, '../fixtures/claude-cli/claude-help-2.1.197.txt')

const prompt = (text: string): CliArgsOptions['input'] => ({ mode: 'prompt', prompt: text })
const full: CliArgsOptions = {
  input: prompt('do it'),
  resume: SID,
  maxTurns: 3,
  allowedTools: ['Bash(git diff:*)', 'Write'],
  disallowedTools: ['WebFetch'],
  permissionMode: 'acceptEdits',
  model: 'claude-sonnet-4-5',
  systemPrompt: 'You are terse.',
  appendSystemPrompt: '- always answer in French',
}

describe('layout', () => {
  test('prompt mode: stream-json output with --verbose, partial messages, prompt after "--"', () => {
    expect(buildCliArgs({ input: prompt('hello') })).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--include-partial-messages',
      '--',
      'hello',
    ])
  })

  test('stream-json input mode has no prompt and no "--"', () => {
    expect(buildCliArgs({ input: { mode: 'stream-json' } })).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--include-partial-messages',
      '--input-format',
      'stream-json',
    ])
  })

  test('partial messages can be turned off', () => {
    expect(buildCliArgs({ input: prompt('x'), includePartialMessages: false })).not.toContain(
      '--include-partial-messages',
    )
  })

  test('all options, variadic tool lists last before the prompt', () => {
    expect(buildCliArgs(full)).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--include-partial-messages',
      '--resume',
      SID,
      '--max-turns',
      '3',
      '--permission-mode',
      'acceptEdits',
      '--model',
      'claude-sonnet-4-5',
      '--system-prompt',
      'You are terse.',
      '--append-system-prompt',
      '- always answer in French',
      '--allowedTools',
      'Bash(git diff:*)',
      'Write',
      '--disallowedTools',
      'WebFetch',
      '--',
      'do it',
    ])
  })

  test('a prompt that looks like a flag stays a prompt', () => {
    expect(buildCliArgs({ input: prompt('--help me') }).slice(-2)).toEqual(['--', '--help me'])
  })

  test('session id, and resume with fork', () => {
    expect(buildCliArgs({ input: prompt('x'), sessionId: SID })).toContain(SID)
    const forked = buildCliArgs({ input: prompt('x'), resume: SID, forkSession: true, sessionId: SID2 })
    expect(forked.join(' ')).toContain(`--resume ${SID} --fork-session --session-id ${SID2}`)
  })

  test('empty tool lists are omitted', () => {
    expect(buildCliArgs({ input: prompt('x'), allowedTools: [] })).not.toContain('--allowedTools')
  })
})

describe('validation', () => {
  const bad: Array<[string, CliArgsOptions]> = [
    ['empty prompt', { input: prompt('  ') }],
    ['resume not a uuid', { input: prompt('x'), resume: 'my-session' }],
    ['resume that is a flag', { input: prompt('x'), resume: '--dangerously-skip-permissions' }],
    ['session id not a uuid', { input: prompt('x'), sessionId: '123' }],
    ['session id with resume but no fork', { input: prompt('x'), resume: SID, sessionId: SID2 }],
    ['fork without resume', { input: prompt('x'), forkSession: true }],
    ['max turns 0 (the CLI would treat it as unlimited)', { input: prompt('x'), maxTurns: 0 }],
    ['max turns not an integer', { input: prompt('x'), maxTurns: 1.5 }],
    ['unknown permission mode', { input: prompt('x'), permissionMode: 'yolo' as never }],
    ['tool rule that is a flag', { input: prompt('x'), allowedTools: ['--model'] }],
    ['empty tool rule', { input: prompt('x'), disallowedTools: [' '] }],
  ]
  for (const [name, opts] of bad) {
    test(`rejects: ${name}`, () => {
      expect(() => buildCliArgs(opts)).toThrow(CliArgsError)
    })
  }

  test('all permission modes are accepted', () => {
    for (const mode of PERMISSION_MODES)
      expect(buildCliArgs({ input: prompt('x'), permissionMode: mode })).toContain(mode)
  })
})

/** Flag names (long form) that buildCliArgs can emit. */
function emittedFlags(): string[] {
  const args = [
    ...buildCliArgs(full),
    ...buildCliArgs({ input: { mode: 'stream-json' }, resume: SID, forkSession: true, sessionId: SID2 }),
  ]
  return [...new Set(args.filter((a) => /^--?[a-zA-Z][a-zA-Z-]*$/.test(a)))].sort()
}

describe('flags exist in the real CLIs', () => {
  // --max-turns is accepted by both versions but hidden from --help (verified by the real-CLI tests).
  const HIDDEN = new Set(['--max-turns'])

  test('2.1.197 --help lists every flag we emit (vendored fixture)', () => {
    const help = readFileSync(HELP_197, 'utf8')
    for (const flag of emittedFlags())
      if (!HIDDEN.has(flag)) expect({ flag, listed: help.includes(flag) }).toEqual({ flag, listed: true })
  })

  test.skipIf(!requireRealCli('2.1.330 --help'))(
    '2.1.330 --help lists every flag we emit and every permission mode',
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'cchub-help-'))
      const env = { PATH: process.env.PATH ?? '', HOME: home, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }
      const proc = Bun.spawn([REAL_CLAUDE, '--help'], { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore', env })
      const help = await new Response(proc.stdout).text()
      expect(await proc.exited).toBe(0)
      rmSync(home, { recursive: true, force: true })
      for (const flag of emittedFlags())
        if (!HIDDEN.has(flag)) expect({ flag, listed: help.includes(flag) }).toEqual({ flag, listed: true })
      // "default" is accepted but unlisted since 2.1.330; everything else must be listed.
      for (const mode of PERMISSION_MODES) if (mode !== 'default') expect(help).toContain(`"${mode}"`)
    },
  )
})

describe('the fake CLI accepts what we build', () => {
  test('prompt mode with every option', async () => {
    const proc = Bun.spawn([FAKE_CLAUDE, ...buildCliArgs({ ...full, permissionMode: 'default' })], {
      stdout: 'pipe',
      stderr: 'pipe',
      stdin: 'ignore',
      env: { ...process.env, FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '2' },
    })
    const out = await new Response(proc.stdout).text()
    expect(await new Response(proc.stderr).text()).toBe('')
    expect(await proc.exited).toBe(0)
    const first = JSON.parse(out.split('\n')[0]!) as { session_id: string; model: string }
    expect(first).toMatchObject({ session_id: SID, model: 'claude-sonnet-4-5' })
  })
})
