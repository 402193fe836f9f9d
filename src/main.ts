#!/usr/bin/env bun
// Command-line entry: parse config, start the server, print the first admin password, stop on signals.
import { VERSION } from './app.ts'
import { helpText } from './config/help.ts'
import { ConfigError, loadConfig } from './config/load.ts'
import { createLogger } from './core/logger.ts'
import { guardStoreOutages } from './core/outage-guard.ts'
import { startServer } from './server.ts'

async function main(): Promise<number> {
  let parsed
  try {
    parsed = loadConfig(process.argv.slice(2), process.env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`cchub: ${err.message}\n`)
    return 2
  }
  if (parsed.action === 'help') {
    process.stdout.write(helpText(VERSION) + '\n')
    return 0
  }
  if (parsed.action === 'version') {
    process.stdout.write(`cchub ${VERSION}\n`)
    return 0
  }
  const logger = createLogger(parsed.config.logLevel)
  guardStoreOutages(logger)
  const running = await startServer(parsed.config, logger)
  if (running.generatedAdminPassword) {
    // Deliberately outside the logger: shown once on the terminal, never stored in logs.
    process.stderr.write(
      `\n  cchub created the admin user.\n    username: ${parsed.config.adminUsername}\n    password: ${running.generatedAdminPassword}\n` +
        `  It is shown only this once; change it with PUT /api/v1/users/me/password.\n\n`,
    )
  }
  const sandbox = running.sandbox.mode === 'off' ? `off (${running.sandbox.reason})` : running.sandbox.mode
  process.stderr.write(
    `cchub ${VERSION} ready on ${running.url}  (API docs: ${running.url}/swagger, sandbox: ${sandbox})\n`,
  )
  if (running.sandbox.mode === 'off') {
    process.stderr.write(
      '  WARNING: no sandbox. Claude runs as the server user; non-admins may not use tools that run commands or write.\n',
    )
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
  return -1
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (err) => {
    process.stderr.write(`cchub: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
