// Own API keys on the account page in Chromium: create (shown once, copied), it runs Claude, listed, revoked.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { execute, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { ADMIN_PASSWORD } from '../support/server.ts'
import { launchBrowser, requireChromium, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireRealCli('web app API keys (real CLI)') && requireChromium('web app API keys (Chromium)')

let e: Env
let b: TestBrowser
let page: Page
let key: string

const keyRow = () => page.getByRole('list', { name: 'Your API keys' }).locator('li', { hasText: 'ci-bot' })

describe.skipIf(!enabled)('web app API keys', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startEnv({ cli: 'real' }), launchBrowser()])
    const c = await b.context()
    await c.ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e.s.url })
    page = c.page
    await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test('create a key: shown once with Copy, listed by name and prefix, and it runs Claude', async () => {
    await page.goto(`${e.s.url}/account`)
    await page.getByText('No keys yet').waitFor()
    await page.getByLabel('Key name').fill('ci-bot')
    await page.getByLabel('Expires after (days, empty = never)').fill('30')
    await page.getByRole('button', { name: 'Create key' }).click()
    key = await page.getByLabel('New key (shown once)').inputValue()
    expect(key.length).toBeGreaterThan(20)
    await page.getByRole('button', { name: 'Copy key' }).click()
    await page.getByText('Copied').waitFor()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key)
    const row = await keyRow().textContent()
    expect(row).toContain('ci-bot')
    expect(
      key.startsWith(
        row!
          .split(' ')
          .find((w) => w.endsWith('…'))!
          .replace('…', ''),
      ),
    ).toBe(true)

    e.mock!.enqueue(reply.text('Hello from a key.'))
    const ex = await execute(e, { prompt: 'Hi' }, key)
    expect((await waitStatus(e, ex.execution_id)).status).toBe('completed')

    await page.reload()
    await keyRow().waitFor()
    expect(await page.getByLabel('New key (shown once)').count()).toBe(0) // never shown again
  })

  test('revoke it: the list says revoked and the key no longer works', async () => {
    await page.getByRole('button', { name: 'Revoke ci-bot' }).click()
    await keyRow().getByText('revoked').waitFor()
    expect((await e.s.api('/api/v1/users/me', { token: key })).status).toBe(401)
  })
})
