// A session with thousands of messages in Chromium: only what is near the viewport is in the DOM, and it stays live.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { type FilesEnv, startFilesEnv } from '../files/helpers.ts'
import { waitFor } from '../support/wait.ts'
import { launchBrowser, requireChromium, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(90_000)
const enabled = requireChromium('web app long session (Chromium)')

let e: FilesEnv
let b: TestBrowser
let page: Page
const MESSAGES = 3000

const prompt = (i: number) => ({ username: 'owner', user_id: 'u', prompt: `prompt number ${i}` })
const domNodes = () => page.evaluate(() => document.querySelectorAll('.transcript *').length)
const rendered = () => page.locator('.transcript article.prompt').count()
const scrollTo = (where: 'top' | 'bottom' | number) =>
  page.evaluate((w) => {
    const el = document.querySelector('.transcript')!
    el.scrollTop = w === 'top' ? 0 : w === 'bottom' ? el.scrollHeight : w
  }, where)

describe.skipIf(!enabled)('web app long session', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startFilesEnv(), launchBrowser()])
    const channel = `session:${e.sessionId}`
    for (let i = 1; i <= MESSAGES; i++) await e.s.services.log.emit(channel, 'prompt', prompt(i))
    page = (await b.context()).page
    await signIn(page, e.s.url, 'owner', 'owner-password')
  })
  afterAll(async () => {
    await b?.close()
    await e?.s.close()
  })

  test('the last 1000 messages load, but only a window of them is in the DOM', async () => {
    const started = Date.now()
    await page.goto(`${e.s.url}/s/${e.sessionId}`)
    await page.locator('.transcript article.prompt').first().waitFor()
    const loadMs = Date.now() - started
    const nodes = await domNodes()
    const items = await rendered()
    console.log(`long session: ${items} of 1000 prompts rendered, ${nodes} DOM nodes in the transcript, ${loadMs} ms`)
    expect(items).toBeLessThan(100)
    expect(nodes).toBeLessThan(800)
    // the spacers stand for the rest: the scroll height is that of all 1000
    const height = await page.evaluate(() => document.querySelector('.transcript')!.scrollHeight)
    expect(height).toBeGreaterThan(1000 * 40)
  })

  test('scrolling to either end or the middle renders what is there', async () => {
    await scrollTo('bottom')
    await page.getByText(`prompt number ${MESSAGES}`, { exact: true }).waitFor()
    await scrollTo('top')
    await page.getByText(`prompt number ${MESSAGES - 999}`, { exact: true }).waitFor()
    const middle = await page.evaluate(() => document.querySelector('.transcript')!.scrollHeight / 2)
    await scrollTo(middle)
    await waitFor(
      async () => (await page.getByText(/^prompt number 2[45]\d\d$/).count()) > 0,
      5000,
      'a prompt from the middle',
    )
    expect(await rendered()).toBeLessThan(100)
  })

  test('a live message still arrives and is shown at the bottom', async () => {
    await scrollTo('bottom')
    await e.s.services.log.emit(`session:${e.sessionId}`, 'prompt', prompt(MESSAGES + 1))
    await scrollTo('bottom')
    await page.getByText(`prompt number ${MESSAGES + 1}`, { exact: true }).waitFor()
    expect(await rendered()).toBeLessThan(100)
  })
})
