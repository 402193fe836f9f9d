// The shared document in Chromium: two people type at once and end with the same text; each sees the other's cursor.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { type FilesEnv, startFilesEnv } from '../files/helpers.ts'
import { waitFor } from '../support/wait.ts'
import { launchBrowser, openTab, requireChromium, screenshot, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireChromium('web app shared document (Chromium)')

let e: FilesEnv
let b: TestBrowser
let owner: Page
let collab: Page
let viewer: Page

const editor = (p: Page) => p.getByRole('textbox', { name: 'Shared document' })
const serverText = async () =>
  (
    (await (await e.s.api(`/api/v1/claude/sessions/${e.sessionId}/document`, { token: e.owner.token })).json()) as {
      text: string
      version: number
    }
  ).text

describe.skipIf(!enabled)('web app shared document', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startFilesEnv(), launchBrowser()])
    const pages = await Promise.all([b.context(), b.context(), b.context({ viewport: { width: 390, height: 844 } })])
    ;[owner, collab, viewer] = pages.map((x) => x.page) as [Page, Page, Page]
    await Promise.all([
      signIn(owner, e.s.url, 'owner', 'owner-password'),
      signIn(collab, e.s.url, 'collab', 'collab-password'),
      signIn(viewer, e.s.url, 'viewer', 'viewer-password'),
    ])
    await Promise.all([owner, collab, viewer].map((p) => p.goto(`${e.s.url}/s/${e.sessionId}`)))
    // on a phone the side panel, with the document, is a sheet opened from the bar under the title
    await viewer.getByRole('button', { name: /People & files/ }).click()
    await Promise.all([owner, collab, viewer].map((p) => openTab(p, 'Document')))
    for (const p of [owner, collab, viewer]) {
      await editor(p).waitFor()
      await waitFor(async () => (await p.getByText('Loading the document…').count()) === 0, 10_000, 'document read')
    }
  })
  afterAll(async () => {
    await b?.close()
    await e?.s.close()
  })

  test("one person's typing shows up live for the others", async () => {
    await editor(owner).click()
    await editor(owner).pressSequentially('line one\n', { delay: 20 })
    for (const p of [collab, viewer])
      await waitFor(async () => (await editor(p).inputValue()) === 'line one\n', 10_000, 'first line everywhere')
    expect(await serverText()).toBe('line one\n')
  })

  test('two people typing at the same time end with the same text, the server included', async () => {
    await editor(owner).click()
    await owner.keyboard.press('Control+Home')
    await editor(collab).click()
    await collab.keyboard.press('Control+End')
    await Promise.all([
      owner.keyboard.type('A-A-A-A-A-A-A-A-A-A ', { delay: 10 }),
      collab.keyboard.type('B-B-B-B-B-B-B-B-B-B', { delay: 10 }),
    ])
    const want = 'A-A-A-A-A-A-A-A-A-A line one\nB-B-B-B-B-B-B-B-B-B'
    for (const p of [owner, collab, viewer])
      await waitFor(
        async () => (await editor(p).inputValue()) === want,
        10_000,
        () => `converged text on a page`,
      )
    await waitFor(async () => (await serverText()) === want, 5000, 'server text')
  })

  test("each sees the other's cursor with their name; the viewer cannot type", async () => {
    await collab.keyboard.press('Control+Home')
    const theirs = owner.locator('.remote-cursor[data-user="collab"]')
    await theirs.waitFor()
    expect(await theirs.locator('.cursor-label').textContent()).toBe('collab')
    expect(await theirs.locator('.cursor-label').isVisible()).toBe(true)
    await editor(owner).click()
    await owner.keyboard.press('Control+End')
    await collab.locator('.remote-cursor[data-user="owner"]').waitFor()
    await viewer.locator('.remote-cursor[data-user="owner"]').waitFor()
    expect(await editor(viewer).getAttribute('readonly')).not.toBeNull()
    await owner.evaluate(() => document.getElementById('files-h')?.scrollIntoView({ block: 'start' }))
    await screenshot(owner, 'shared-document')
    await viewer.evaluate(() => document.getElementById('doc-h')?.scrollIntoView({ block: 'start' }))
    await screenshot(viewer, 'shared-document-phone')
  })
})
