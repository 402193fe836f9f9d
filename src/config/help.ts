// Renders --help and the README settings table from the same schema the loader validates against.
import { configKeys, settingMeta } from './schema.ts'

function defaultOf(key: (typeof configKeys)[number]): string {
  const d = (settingMeta(key).schema as { default?: unknown }).default
  if (d === undefined) return '-'
  if (Array.isArray(d)) return d.length ? d.join(',') : '(empty)'
  return String(d)
}

export function helpText(version: string): string {
  const lines = [
    `cchub ${version} - run Claude Code on your own machine and watch it live`,
    '',
    'Usage: cchub [options]',
    '',
    'Every option can also be set with the environment variable shown; flags win.',
    '',
  ]
  // the env column starts two spaces after the longest flag, so no flag runs into its variable
  const usage = (key: (typeof configKeys)[number]) => `  ${settingMeta(key).flag} <value>`
  const width = Math.max(...configKeys.map((k) => usage(k).length)) + 2
  for (const key of configKeys) {
    const m = settingMeta(key)
    lines.push(usage(key).padEnd(width) + `${m.env}  (default: ${defaultOf(key)})`)
    lines.push(`      ${m.description}`)
  }
  lines.push('', '  -h, --help'.padEnd(width) + 'Show this help', '  -v, --version'.padEnd(width) + 'Print the version')
  return lines.join('\n')
}

export function markdownTable(): string {
  const rows = ['| Environment | Flag | Default | Meaning |', '|---|---|---|---|']
  for (const key of configKeys) {
    const m = settingMeta(key)
    rows.push(`| \`${m.env}\` | \`${m.flag}\` | \`${defaultOf(key)}\` | ${m.description.replaceAll('|', '\\|')} |`)
  }
  return rows.join('\n')
}
