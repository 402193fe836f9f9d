// The tool-rule parser against the CLI's own grammar (2.1.330): splitting, refusals, coverage, and the config cap.
import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config/load.ts'
import { AppError } from '../../src/core/errors.ts'
import { buildCliArgs } from '../../src/modules/claude/cli/args.ts'
import { allows, parseToolRules, splitLikeCli } from '../../src/modules/claude/cli/tool-rules.ts'

const texts = (entries: string[]) => parseToolRules(entries).map((r) => r.text)
function refusal(entries: string[]): AppError {
  try {
    parseToolRules(entries)
  } catch (err) {
    return err as AppError
  }
  throw new Error(`${JSON.stringify(entries)} was accepted`)
}

describe('splitLikeCli (the CLI splitter, verified against the real binary: see docs/claude-cli.md)', () => {
  test('splits on commas and spaces outside parentheses, not on tabs or newlines; trims', () => {
    expect(splitLikeCli('Read(x),Bash')).toEqual(['Read(x)', 'Bash'])
    expect(splitLikeCli('Read(x) Bash')).toEqual(['Read(x)', 'Bash'])
    expect(splitLikeCli(' Read ,  Bash ,')).toEqual(['Read', 'Bash'])
    expect(splitLikeCli('Bash(git diff:*),Edit')).toEqual(['Bash(git diff:*)', 'Edit'])
    expect(splitLikeCli('Read(a, b) Bash')).toEqual(['Read(a, b)', 'Bash'])
    expect(splitLikeCli('Read(x)\tBash')).toEqual(['Read(x)\tBash'])
    expect(splitLikeCli('\tRead\n')).toEqual(['Read'])
    // no nesting: the first ")" closes, so the space after it splits
    expect(splitLikeCli('Read(a(b) c),Bash')).toEqual(['Read(a(b)', 'c)', 'Bash'])
  })
})

describe('parseToolRules', () => {
  test('every rule of every entry, one per argv entry, with patterns and MCP servers', () => {
    expect(parseToolRules(['Read(x),Bash'])).toEqual([
      { text: 'Read(x)', entry: 'Read(x),Bash', tool: 'Read', pattern: 'x' },
      { text: 'Bash', entry: 'Read(x),Bash', tool: 'Bash' },
    ])
    expect(texts(['Read(x) Bash', 'Bash(git diff:*)', 'Edit'])).toEqual(['Read(x)', 'Bash', 'Bash(git diff:*)', 'Edit'])
    expect(parseToolRules(['mcp__github__get_issue'])[0]).toMatchObject({
      tool: 'mcp__github__get_issue',
      mcpServer: 'github',
    })
    expect(parseToolRules(['mcp__my-server'])[0]).toMatchObject({ mcpServer: 'my-server' })
    expect(parseToolRules(['mcp__github__*'])[0]).toMatchObject({ mcpServer: 'github' })
  })

  test('Tool() and Tool(*) are the whole tool, as in the CLI; legacy names resolve to the new ones', () => {
    expect(parseToolRules(['Bash()'])[0]!.pattern).toBeUndefined()
    expect(parseToolRules(['Bash(*)'])[0]!.pattern).toBeUndefined()
    expect(parseToolRules(['Task'])[0]).toMatchObject({ text: 'Task', tool: 'Agent' })
  })

  test.each([
    ['Read(x)\tBash', /tab, newline/],
    ['Read\nBash', /tab, newline/],
    ['Bash(echo \\) Write', /backslash/],
    ['Read(x', /without "\)"/],
    ['Read)x(', /before it/],
    ['Read(x)Bash', /text after/],
    ['Read(a(b))', /nested/],
    ['Read(a(b) c),Bash', /ambiguous/],
    ['(x)', /not a tool name/],
    [' , ', /no tool name/],
    ['bash-tool', /not a tool name/],
    ['Read\u00a0Bash', /not a tool name/],
    ['Ba*', /wildcard/],
    ['*', /wildcard/],
    ['mcp__github(x)', /MCP tool with a pattern/],
    ['mcp__', /mcp__server/],
    ['mcp__github__', /mcp__server/],
  ])('%j → 422 VALIDATION_FAILED naming the entry', (entry, why) => {
    const err = refusal([entry])
    expect(err).toBeInstanceOf(AppError)
    expect(err.code).toBe('VALIDATION_FAILED')
    expect(err.status).toBe(422)
    expect(err.message).toContain(JSON.stringify(entry))
    expect(err.message).toMatch(why)
  })
})

describe('allows', () => {
  const list = parseToolRules(['Read', 'Edit', 'Bash(git diff:*)', 'mcp__github', 'Agent'])
  const ok = (rule: string) => parseToolRules([rule]).every((r) => allows(list, r) !== undefined)
  test('a bare entry allows any pattern; a pattern entry only itself; an MCP server all its tools', () => {
    expect(ok('Read')).toBe(true)
    expect(ok('Read(src/**)')).toBe(true)
    expect(ok('Bash(git diff:*)')).toBe(true)
    expect(ok('Bash')).toBe(false)
    expect(ok('Bash(*)')).toBe(false)
    expect(ok('Bash(git diff:*) Bash')).toBe(false)
    expect(ok('Bash(rm -rf:*)')).toBe(false)
    expect(ok('mcp__github__get_issue')).toBe(true)
    expect(ok('mcp__github__*')).toBe(true)
    expect(ok('mcp__gitlab__x')).toBe(false)
    expect(ok('Task')).toBe(true)
    expect(ok('read')).toBe(false)
  })
})

test('the checked rules reach the CLI as separate argv entries after --allowedTools', () => {
  const args = buildCliArgs({
    input: { mode: 'stream-json' },
    allowedTools: texts(['Read(x),Edit', 'Bash(git diff:*)']),
  })
  expect(args.slice(args.indexOf('--allowedTools'))).toEqual(['--allowedTools', 'Read(x)', 'Edit', 'Bash(git diff:*)'])
})

describe('CCHUB_CLAUDE_ALLOWED_TOOLS is parsed with the same grammar and checked at start', () => {
  const cap = (value: string) => {
    const r = loadConfig([], { CCHUB_CLAUDE_ALLOWED_TOOLS: value })
    return r.action === 'run' ? r.config.claudeAllowedTools : null
  }
  test("commas and spaces split it; a comma inside a rule's parentheses does not", () => {
    expect(cap('Read,Edit Bash(git diff:*)')).toEqual(['Read', 'Edit', 'Bash(git diff:*)'])
    expect(cap('Bash(npm run a,b)')).toEqual(['Bash(npm run a,b)'])
  })
  test('an ambiguous value stops the start with one clear line', () => {
    expect(() => loadConfig([], { CCHUB_CLAUDE_ALLOWED_TOOLS: 'Read(x)\tBash' })).toThrow(
      /invalid CCHUB_CLAUDE_ALLOWED_TOOLS: "Read\(x\)\\tBash" is ambiguous/,
    )
    expect(() => loadConfig(['--claude-allowed-tools', 'Read(x'], {})).toThrow(/invalid --claude-allowed-tools/)
  })
})
