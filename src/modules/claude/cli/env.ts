// The environment a CLI process gets: only what it needs, never the server's own secrets.
const BASICS = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL', 'TERM']
const PREFIXES = ['ANTHROPIC_', 'CLAUDE_']

export function cliEnv(
  env: Record<string, string | undefined>,
  allow: string[],
  opts: { bypassPermissions: boolean },
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k.startsWith('CCHUB_')) continue
    if (BASICS.includes(k) || allow.includes(k) || PREFIXES.some((p) => k.startsWith(p))) out[k] = v
  }
  // The CLI refuses bypassPermissions as root unless it is told it runs in a sandbox; the admin opted in via config.
  if (opts.bypassPermissions && process.getuid?.() === 0) out.IS_SANDBOX = '1'
  return out
}
