// Tool rules parsed exactly as the CLI parses --allowedTools (docs/claude-cli.md), refusing what it reads differently.
import { invalid } from '../../../core/errors.ts'

/** One allow rule: a tool name and, for `Tool(pattern)`, the pattern (absent when the rule covers the whole tool). */
export interface ToolRule {
  /** As written; this exact string is one argv entry after --allowedTools. */
  text: string
  /** The request entry it came from (one entry may hold several rules). */
  entry: string
  /** Canonical name (the CLI's legacy aliases resolved), used for every comparison. */
  tool: string
  pattern?: string
  /** The server part of an `mcp__server__tool` name. */
  mcpServer?: string
}

/** The CLI's unconditional legacy names (2.1.330); it checks rules under the new name. */
const ALIASES: Record<string, string> = {
  Task: 'Agent',
  KillShell: 'TaskStop',
  KillBash: 'TaskStop',
  ListPeers: 'ListAgents',
  Brief: 'SendUserMessage',
  ListMcpResources: 'ListMcpResourcesTool',
  ReadMcpResource: 'ReadMcpResourceTool',
  ReadMcpResourceDir: 'ReadMcpResourceDirTool',
  ProposeGoal: 'SetGoal',
}
const PLAIN_NAME = /^[A-Za-z][A-Za-z0-9_]*$/
// mcp__<server> (every tool of it) or mcp__<server>__<tool>; `*` only in the tool part, as the CLI allows in allow
// rules.
const MCP_NAME = /^mcp__([A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*)(?:__([A-Za-z0-9_*-]+))?$/

/**
 * The CLI's splitter, verbatim in behaviour: a value splits on "," and " " outside parentheses; "(" opens and ")"
 * closes without nesting; other whitespace (tab, newline) is NOT a separator; each piece is trimmed.
 */
export function splitLikeCli(value: string): string[] {
  const out: string[] = []
  let cur = ''
  let inParens = false
  const flush = () => {
    if (cur.trim()) out.push(cur.trim())
    cur = ''
  }
  for (const ch of value) {
    if (ch === '(' || ch === ')') (inParens = ch === '('), (cur += ch)
    else if ((ch === ',' || ch === ' ') && !inParens) flush()
    else if (cur || ch.trim()) cur += ch
  }
  flush()
  return out
}

/**
 * Every rule in `entries` (each may hold several, as the CLI splits them), or a 422 VALIDATION_FAILED naming the
 * entry for anything the CLI could read differently: control characters, backslashes, unbalanced or nested
 * parentheses, text after ")", names that are not tool identifiers, wildcards outside an MCP tool name.
 */
export function parseToolRules(entries: readonly string[], label = 'tools entry '): ToolRule[] {
  const rules: ToolRule[] = []
  for (const entry of entries) {
    const problem = entryProblem(entry)
    if (problem) throw refuse(label, entry, problem)
    const pieces = splitLikeCli(entry)
    if (pieces.length === 0) throw refuse(label, entry, 'it holds no tool name')
    for (const piece of pieces) {
      const rule = parseOne(piece)
      if (typeof rule === 'string') throw refuse(label, entry, `${JSON.stringify(piece)} ${rule}`)
      rules.push({ ...rule, entry })
    }
  }
  return rules
}

function entryProblem(entry: string): string | null {
  if (/[\u0000-\u001f\u007f]/.test(entry))
    return 'it contains a tab, newline or other control character (the CLI does not split on those)'
  if (entry.includes('\\'))
    return 'it contains a backslash (the CLI escapes parentheses with it, but splits before unescaping)'
  return null
}

/** One piece after splitting: `Name` or `Name(pattern)`; a string is the reason it is refused. */
function parseOne(piece: string): Omit<ToolRule, 'entry'> | string {
  const open = piece.indexOf('(')
  let name = piece
  let pattern: string | undefined
  if (open !== -1 || piece.includes(')')) {
    const close = piece.indexOf(')')
    if (open === -1 || close < open) return close === -1 ? 'has "(" without ")"' : 'has ")" without "(" before it'
    if (piece.includes('(', open + 1)) return 'has nested parentheses or more than one pair'
    if (close !== piece.length - 1) return 'has text after ")"'
    pattern = piece.slice(open + 1, close)
    name = piece.slice(0, open)
    // the CLI reads Tool() and Tool(*) as the whole tool
    if (pattern === '' || pattern === '*') pattern = undefined
  }
  const mcp = MCP_NAME.exec(name)
  if (mcp)
    return pattern === undefined
      ? { text: piece, tool: name, mcpServer: mcp[1] }
      : 'is an MCP tool with a pattern (the CLI does not support that)'
  if (name.startsWith('mcp__')) return 'is not an mcp__server or mcp__server__tool name'
  if (!PLAIN_NAME.test(name))
    return name.includes('*')
      ? 'uses a wildcard outside an mcp__server__ tool name'
      : 'is not a tool name (letters, digits and _, or mcp__server__tool)'
  return { text: piece, tool: ALIASES[name] ?? name, ...(pattern !== undefined ? { pattern } : {}) }
}

const refuse = (label: string, entry: string, why: string) =>
  invalid(`${label}${JSON.stringify(entry)} is ambiguous: ${why}`, { entry })

/**
 * Whether `list` allows `rule`: a bare entry allows the tool with any pattern, an entry with a pattern allows only
 * that same rule, and `mcp__server` / `mcp__server__*` allow every tool (and wildcard) of that server.
 */
export function allows(list: readonly ToolRule[], rule: ToolRule): ToolRule | undefined {
  return list.find((e) => {
    if (e.tool === rule.tool) return e.pattern === undefined || e.pattern === rule.pattern
    return (
      rule.mcpServer !== undefined && (e.tool === `mcp__${rule.mcpServer}` || e.tool === `mcp__${rule.mcpServer}__*`)
    )
  })
}
