// loadConfig: defaults, flags over env, and one clear error line naming the bad setting.
import { describe, expect, test } from 'bun:test'
import { ConfigError, loadConfig } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'

function run(argv: string[], env: Record<string, string | undefined> = {}): Config {
  const out = loadConfig(argv, env)
  if (out.action !== 'run') throw new Error(`expected run, got ${out.action}`)
  return out.config
}

function failure(argv: string[], env: Record<string, string | undefined> = {}): string {
  try {
    loadConfig(argv, env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    const message = (err as Error).message
    expect(message).not.toContain('\n')
    return message
  }
  throw new Error('expected loadConfig to throw')
}

describe('defaults', () => {
  test('an empty environment gives the documented defaults', () => {
    const c = run([], {})
    expect(c.port).toBe(8080)
    expect(c.host).toBe('127.0.0.1')
    expect(c.dataDir).toBe('./cchub-data')
    expect(c.jwtSecret).toBeUndefined()
    expect(c.adminPassword).toBeUndefined()
    expect(c.accessTokenTtl).toBe(900)
    expect(c.refreshTokenTtl).toBe(604_800)
    expect(c.workspaceRoots).toEqual([])
    expect(c.wsAllowedOrigins).toEqual([])
    expect(c.logLevel).toBe('info')
    expect(c.claudeAllowBypassPermissions).toBe(false)
  })

  test('variables that are not ours, and empty CCHUB_ values, are ignored', () => {
    const c = run([], { PATH: '/bin', HOME: '/root', CCHUB_PORT: '' })
    expect(c.port).toBe(8080)
  })
})

describe('sources', () => {
  test('env is read and coerced', () => {
    const c = run([], {
      CCHUB_PORT: '9001',
      CCHUB_HOST: '0.0.0.0',
      CCHUB_WORKSPACE_ROOTS: '/srv/a, /srv/b,',
      CCHUB_LOG_LEVEL: 'debug',
      CCHUB_CLAUDE_ALLOW_BYPASS_PERMISSIONS: 'yes',
      CCHUB_ACCESS_TOKEN_TTL: '60',
    })
    expect(c.port).toBe(9001)
    expect(c.host).toBe('0.0.0.0')
    expect(c.workspaceRoots).toEqual(['/srv/a', '/srv/b'])
    expect(c.logLevel).toBe('debug')
    expect(c.claudeAllowBypassPermissions).toBe(true)
    expect(c.accessTokenTtl).toBe(60)
  })

  test('flags beat env, in both --flag value and --flag=value forms', () => {
    const env = { CCHUB_PORT: '1111', CCHUB_HOST: 'envhost', CCHUB_DATA_DIR: '/env/data' }
    const c = run(['--port', '2222', '--host=flaghost'], env)
    expect(c.port).toBe(2222)
    expect(c.host).toBe('flaghost')
    expect(c.dataDir).toBe('/env/data')
  })

  test('a boolean flag alone means true', () => {
    expect(run(['--claude-allow-bypass-permissions']).claudeAllowBypassPermissions).toBe(true)
    expect(run(['--claude-allow-bypass-permissions=false']).claudeAllowBypassPermissions).toBe(false)
  })

  test('--help and --version are recognised', () => {
    expect(loadConfig(['--help'], {}).action).toBe('help')
    expect(loadConfig(['-h'], {}).action).toBe('help')
    expect(loadConfig(['--version'], {}).action).toBe('version')
    expect(loadConfig(['-v'], {}).action).toBe('version')
  })
})

describe('errors name the setting', () => {
  test('a value that is not a number', () => {
    const m = failure([], { CCHUB_PORT: 'eighty' })
    expect(m).toContain('CCHUB_PORT')
    expect(m).toContain('"eighty"')
  })

  test('a fraction where an integer is needed', () => {
    expect(failure(['--port', '80.5'])).toContain('--port')
  })

  test('a value out of range', () => {
    const m = failure([], { CCHUB_PORT: '70000' })
    expect(m).toContain('CCHUB_PORT')
    expect(m).toContain('70000')
    expect(failure(['--access-token-ttl', '5'])).toContain('--access-token-ttl')
  })

  test('an unknown CCHUB_ variable', () => {
    expect(failure([], { CCHUB_PROT: '8080' })).toContain('CCHUB_PROT')
  })

  test('an unknown flag', () => {
    expect(failure(['--prot', '8080'])).toContain('--prot')
  })

  test('a stray positional argument', () => {
    expect(failure(['serve'])).toContain('serve')
  })

  test('a flag without its value', () => {
    expect(failure(['--data-dir'])).toContain('--data-dir')
  })

  test('a flag followed by another flag is missing its value (not given the flag as value)', () => {
    expect(failure(['--data-dir', '--port', '9000'])).toContain('--data-dir')
  })

  test('a value outside an enum lists the choices', () => {
    const m = failure([], { CCHUB_LOG_LEVEL: 'loud' })
    expect(m).toContain('CCHUB_LOG_LEVEL')
    for (const level of ['debug', 'info', 'warn', 'error', 'silent']) expect(m).toContain(level)
  })

  test('a bad boolean', () => {
    expect(failure(['--claude-allow-bypass-permissions=maybe'])).toContain('--claude-allow-bypass-permissions')
  })

  test('a short JWT secret is named but never shown', () => {
    const secret = 'short-secret-xyz'
    const m = failure([], { CCHUB_JWT_SECRET: secret })
    expect(m).toContain('CCHUB_JWT_SECRET')
    expect(m).toContain('(hidden)')
    expect(m).not.toContain(secret)
    const viaFlag = failure(['--admin-password', 'abc'])
    expect(viaFlag).toContain('--admin-password')
    expect(viaFlag).not.toContain('"abc"')
  })
})
