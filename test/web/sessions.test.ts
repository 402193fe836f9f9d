// A workspace's session list in Chromium: a live running badge, close and continue, import from the terminal.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { execute, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { ADMIN_PASSWORD } from '../support/server.ts'
import { terminalTranscript } from '../support/terminal-transcript.ts'
import { launchBrowser, requireChromium, screenshot, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireChromium('web app session list (Chromium)')

let e: Env
let b: TestBrowser
let page: Page

const row = (title: string) => page.locator('li.session-row', { hasText: title })

describe.skipIf(!enabled)('web app session list', () => {
  beforeAll(async () => {
    // the fake CLI hangs: a run stays running until it is cancelled
    ;[e, b] = await Promise.all([startEnv({ cli: 'fake', env: { FAKE_CLAUDE_MODE: 'hang' } }), launchBrowser()])
    page = (await b.context()).page
    await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
    await page.goto(`${e.s.url}/w/${e.workspaceId}`)
    await page.locator('ul.sessions[data-live="true"]').waitFor()
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test('a run started elsewhere appears running without a reload, and goes idle when it is cancelled', async () => {
    const x = await execute(e, { prompt: 'Hang around' })
    await row('Hang around').locator('.badge', { hasText: 'running' }).waitFor()
    await screenshot(page, 'session-list')
    await e.s.api(`/api/v1/claude/executions/${x.execution_id}/cancel`, { method: 'POST', token: e.admin })
    await waitStatus(e, x.execution_id, ['cancelled'])
    await row('Hang around').locator('.badge').waitFor({ state: 'detached' })
    await row('Hang around')
      .getByText(/^active ·/)
      .waitFor()
  })

  test('the owner closes a session and continues it', async () => {
    await row('Hang around').getByRole('button', { name: 'Close Hang around' }).click()
    await row('Hang around')
      .getByText(/^closed ·/)
      .waitFor()
    await row('Hang around').getByRole('button', { name: 'Continue Hang around' }).click()
    await row('Hang around')
      .getByText(/^active ·/)
      .waitFor()
  })

  test('a terminal session is found and imported: it joins the list and is marked imported', async () => {
    const home = join(e.s.dataDir, 'homes', e.adminId)
    terminalTranscript(home, e.workspacePath, 'Fix the flaky test')
    await page.getByRole('button', { name: 'Find terminal sessions' }).click()
    const found = page.getByRole('list', { name: 'Terminal sessions' })
    await found.getByRole('button', { name: 'Import Fix the flaky test' }).click()
    await page.locator('ul.sessions[data-live] li.session-row', { hasText: 'Fix the flaky test' }).waitFor()
    await found.getByRole('link', { name: 'Imported: open' }).click()
    await page.waitForURL(/\/s\/[^/]+$/)
  })

  test("on a session's page the navigation lists its workspace's sessions, this one marked, another's run live", async () => {
    await page.goto(`${e.s.url}/w/${e.workspaceId}`)
    await row('Hang around').getByRole('link').click()
    const nav = page.getByRole('navigation', { name: 'Workspaces' })
    await nav.locator('ul.sessions[data-live="true"]').waitFor()
    expect(await nav.getByRole('link', { name: /Hang around/ }).getAttribute('aria-current')).toBe('page')
    expect(await nav.getByRole('link', { name: /Fix the flaky test/ }).getAttribute('aria-current')).toBeNull()
    const x = await execute(e, { prompt: 'Another errand' })
    const other = nav.locator('li.session-row', { hasText: 'Another errand' })
    await other.locator('.badge', { hasText: 'running' }).waitFor()
    await e.s.api(`/api/v1/claude/executions/${x.execution_id}/cancel`, { method: 'POST', token: e.admin })
    await other.locator('.badge').waitFor({ state: 'detached' })
  })
})
