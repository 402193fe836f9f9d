// Parses flags and CCHUB_* environment once, coerces and validates them against ConfigSchema.
import { Value } from '@sinclair/typebox/value'
import type { TSchema } from '@sinclair/typebox'
import { ConfigSchema, configKeys, settingMeta, type Config, type ConfigKey } from './schema.ts'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export type CliAction = { action: 'run'; config: Config } | { action: 'help' } | { action: 'version' }

/** Reads argv (without the program name) and env; flags win over env. Throws ConfigError with one clear line. */
export function loadConfig(argv: string[], env: Record<string, string | undefined>): CliAction {
  if (argv.includes('--help') || argv.includes('-h')) return { action: 'help' }
  if (argv.includes('--version') || argv.includes('-v')) return { action: 'version' }
  const raw: Partial<Record<ConfigKey, { value: string; source: string }>> = {}
  readEnv(env, raw)
  readFlags(argv, raw)
  const out: Record<string, unknown> = {}
  for (const key of configKeys) {
    const given = raw[key]
    if (given === undefined) continue
    out[key] = coerce(key, given.value, given.source)
  }
  const config = Value.Default(ConfigSchema, out) as Config
  for (const key of configKeys) checkOne(key, config[key], raw[key]?.source)
  return { action: 'run', config }
}

function readEnv(
  env: Record<string, string | undefined>,
  raw: Partial<Record<ConfigKey, { value: string; source: string }>>,
) {
  const byEnv = new Map(configKeys.map((k) => [settingMeta(k).env, k]))
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('CCHUB_') || value === undefined || value === '') continue
    const key = byEnv.get(name)
    if (!key) throw new ConfigError(`unknown setting ${name} (see --help for the list)`)
    raw[key] = { value, source: name }
  }
}

function readFlags(argv: string[], raw: Partial<Record<ConfigKey, { value: string; source: string }>>) {
  const byFlag = new Map(configKeys.map((k) => [settingMeta(k).flag, k]))
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.indexOf('=')
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const key = byFlag.get(flag)
    if (!key) throw new ConfigError(`unknown option ${flag} (see --help for the list)`)
    const isBool = (settingMeta(key).schema as { type?: string }).type === 'boolean'
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined
    if (value === undefined && isBool) value = 'true'
    if (value === undefined) {
      value = argv[++i]
      // `--data-dir --port 9000` forgot the data dir; a value that itself starts with `--` can be given as
      // --flag=--value.
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`option ${flag} needs a value`)
    }
    raw[key] = { value, source: flag }
  }
}

function coerce(key: ConfigKey, value: string, source: string): unknown {
  const schema = settingMeta(key).schema as TSchema & { type?: string; anyOf?: unknown }
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const n = Number(value.trim())
      if (value.trim() === '' || !Number.isFinite(n)) throw bad(source, `must be a number, got ${show(key, value)}`)
      return n
    }
    case 'boolean': {
      const v = value.trim().toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(v)) return true
      if (['0', 'false', 'no', 'off'].includes(v)) return false
      throw bad(source, `must be true or false, got ${show(key, value)}`)
    }
    case 'array': {
      const split = settingMeta(key).split
      if (!split)
        return value
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      try {
        return split(value)
      } catch (err) {
        throw bad(source, (err as Error).message)
      }
    }
    default:
      return value
  }
}

function checkOne(key: ConfigKey, value: unknown, source?: string) {
  const meta = settingMeta(key)
  if (value === undefined) return
  const first = Value.Errors(meta.schema, value).First()
  if (!first) return
  const choices = (meta.schema as { anyOf?: { const?: unknown }[] }).anyOf?.map((c) => c.const)
  const why = choices ? `must be one of ${choices.join(', ')}` : first.message.toLowerCase()
  throw bad(source ?? meta.env, `${why}, got ${show(key, value)}`)
}

const bad = (source: string, msg: string) => new ConfigError(`invalid ${source}: ${msg}`)

function show(key: ConfigKey, value: unknown): string {
  if (settingMeta(key).secret) return '(hidden)'
  return JSON.stringify(value)
}
