// Phones (390×844) in Chromium: the session's side panel and the workspace's session list open as bottom sheets.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { execute, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { ADMIN_PASSWORD } from '../support/server.ts'
import { launchBrowser, openTab, requireChromium, screenshot, signIn, type TestBrowser } from './browser.ts'
import { requireRealCli } from '../support/real-cli.ts'

setDefaultTimeout(60_000)
const enabled = requireRealCli('web app phone sheets (real CLI)') && requireChromium('web app phone sheets (Chromium)')
const PHONE = { width: 390, height: 844 }

let e: Env
let b: TestBrowser
const sessions: string[] = []

async function phone(colorScheme: 'light' | 'dark'): Promise<Page> {
  const { page } = await b.context({ viewport: PHONE, colorScheme })
  await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
  await page.goto(`${e.s.url}/s/${sessions[0]}`)
  await page.getByText('Run completed').waitFor()
  return page
}

/** The box is on screen, against the bottom edge, and no wider than the phone. */
async function isBottomSheet(page: Page, name: string): Promise<void> {
  const box = (await page.getByRole(name === 'Sessions' ? 'region' : 'complementary', { name }).boundingBox())!
  expect(box.y + box.height).toBeCloseTo(PHONE.height, 0)
  expect(box.x).toBe(0)
  expect(box.width).toBe(PHONE.width)
  expect(box.y).toBeGreaterThan(PHONE.height * 0.15)
}

describe.skipIf(!enabled)('web app phone sheets', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startEnv({ cli: 'real' }), launchBrowser()])
    for (const prompt of ['First errand', 'Second errand']) {
      const x = await execute(e, { prompt })
      await waitStatus(e, x.execution_id)
      sessions.push(x.session_id)
    }
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test('the side panel is hidden until "People & files" opens it as a sheet; Close puts it away', async () => {
    const page = await phone('light')
    const details = page.getByRole('complementary', { name: 'Session details' })
    expect(await details.isVisible()).toBe(false)
    await page.getByRole('button', { name: /People & files/ }).click()
    await details.getByRole('heading', { name: 'People' }).waitFor()
    await isBottomSheet(page, 'Session details')
    await screenshot(page, 'phone-people-sheet')
    // the sheet's tabs: Files replaces People in the same sheet; the arrow key goes on to the document
    await openTab(page, 'Files')
    expect(await details.getByText('Upload a file').isVisible()).toBe(true)
    expect(await details.getByLabel('Invite (username)').isVisible()).toBe(false)
    await page.keyboard.press('ArrowRight')
    await details.getByRole('textbox', { name: 'Shared document' }).waitFor()
    expect(await page.getByRole('tab', { name: 'Document' }).getAttribute('aria-selected')).toBe('true')
    await page.getByRole('button', { name: 'Close details' }).click()
    await details.waitFor({ state: 'hidden' })
    await page.getByLabel('Message Claude').waitFor() // the prompt box is back in reach
  })

  test('"Sessions" opens the list as a sheet with live status; a tap opens the other session', async () => {
    const page = await phone('dark')
    await page.getByRole('button', { name: 'Sessions', exact: true }).click()
    const sheet = page.getByRole('region', { name: 'Sessions' })
    await sheet.locator('ul.sessions[data-live="true"]').waitFor()
    await isBottomSheet(page, 'Sessions')
    expect(await sheet.getByRole('button', { name: /Close|Continue/ }).count()).toBe(1) // only the sheet's own Close
    await screenshot(page, 'phone-sessions-sheet')
    await sheet.getByRole('link', { name: /Second errand/ }).click()
    await page.waitForURL(new RegExp(`/s/${sessions[1]}$`))
    await sheet.waitFor({ state: 'detached' })
  })
})
