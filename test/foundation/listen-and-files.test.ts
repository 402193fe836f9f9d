// Start-up safety: a taken port fails loudly instead of sharing connections; the database is private to its user.
import { afterEach, expect, test } from 'bun:test'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { startTestServer, type TestServer } from '../support/server.ts'

const servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

test('a second server on a port that is in use fails to start', async () => {
  const a = await startTestServer()
  servers.push(a)
  let error: unknown
  try {
    servers.push(await startTestServer({ port: a.port }))
  } catch (err) {
    error = err
  }
  expect(String(error)).toMatch(/EADDRINUSE|in use/i)
})

test('the database file is readable by the server user only', async () => {
  const s = await startTestServer()
  servers.push(s)
  expect(statSync(join(s.dataDir, 'cchub.db')).mode & 0o777).toBe(0o600)
})
