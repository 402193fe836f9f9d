// The admin page in Chromium: a user's role, a password reset shown once, delete; server health and realtime numbers.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { createWorkspace } from '../execution/helpers.ts'
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts'
import { waitFor } from '../support/wait.ts'
import { launchBrowser, requireChromium, screenshot, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireChromium('web app admin (Chromium)')

let s: TestServer
let b: TestBrowser
let page: Page
let admin: string
const ids: Record<string, string> = {}

const row = (name: string) => page.getByRole('row', { name: new RegExp(`^${name}\\b`) })
const userOf = async (name: string) => (await s.api(`/api/v1/users/${ids[name]}`, { token: admin })).json() as any

describe.skipIf(!enabled)('web app admin', () => {
  beforeAll(async () => {
    ;[s, b] = await Promise.all([startTestServer(), launchBrowser()])
    admin = await s.login()
    for (const name of ['dave', 'erin']) ids[name] = (await s.createUser(admin, name)).id
    const ws = await createWorkspace(s, admin)
    page = (await b.context()).page
    await signIn(page, s.url, 'admin', ADMIN_PASSWORD)
    // a workspace page keeps the app's WebSocket open, so the numbers count this tab
    await page.goto(`${s.url}/w/${ws.id}`)
    await page.locator('ul.sessions[data-live="true"]').waitFor()
    await page.getByRole('link', { name: 'Users' }).click()
    await row('dave').waitFor()
  })
  afterAll(async () => {
    await b?.close()
    await s?.close()
  })

  test("the server panel shows health and the realtime numbers of /api/v1/ws/stats, this tab's socket counted", async () => {
    const health = page.getByRole('region', { name: 'Health' })
    await health.getByText('ok', { exact: true }).first().waitFor()
    const version = ((await (await s.api('/health')).json()) as { version: string }).version
    await health.getByText(version, { exact: true }).waitFor()
    const live = page.getByRole('region', { name: 'Realtime' })
    await live.getByText('1 (1 signed in)').waitFor()
    await live.getByText(/^\d+ appended in \d+ batches$/).waitFor()
  })

  test("the admin makes dave an admin and a user again; the admin's own row has no such controls", async () => {
    await page.getByLabel('Role of dave').selectOption('admin')
    await waitFor(async () => (await userOf('dave')).role === 'admin', 5000, 'dave to be an admin')
    await page.getByLabel('Role of dave').selectOption('user')
    await waitFor(async () => (await userOf('dave')).role === 'user', 5000, 'dave to be a user again')
    expect(await page.getByLabel('Role of admin').count()).toBe(0)
    expect(
      await row('admin')
        .getByRole('button', { name: /Delete/ })
        .count(),
    ).toBe(0)
  })

  test('a password reset is shown once: dave signs in with it, not with the old one', async () => {
    await row('dave').getByRole('button', { name: 'Reset password of dave' }).click()
    const field = page.getByLabel(/New password of dave/)
    await field.waitFor()
    const next = await field.inputValue()
    expect(next.length).toBeGreaterThanOrEqual(16)
    await screenshot(page, 'admin')
    const login = (password: string) => s.api('/api/v1/auth/login', { body: { username: 'dave', password } })
    expect((await login(next)).status).toBe(200)
    expect((await login('dave-password')).status).toBe(401)
    await page.reload()
    await row('dave').waitFor()
    expect(await page.getByLabel(/New password of dave/).count()).toBe(0)
  })

  test('deleting erin takes a second click; she is gone from the table and the server', async () => {
    await row('erin').getByRole('button', { name: 'Delete erin…' }).click()
    await row('erin').getByRole('button', { name: 'Delete erin', exact: true }).click()
    await row('erin').waitFor({ state: 'detached' })
    expect((await s.api(`/api/v1/users/${ids.erin}`, { token: admin })).status).toBe(404)
  })
})
