// Two people in one session in two browser contexts: presence, a viewer without a prompt box, files and attach.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { addMember, conversationText, execute, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { ADMIN_PASSWORD } from '../support/server.ts'
import { waitFor } from '../support/wait.ts'
import { foreignHosts, launchBrowser, openTab, requireChromium, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireRealCli('web app together (real CLI)') && requireChromium('web app together (Chromium)')

let e: Env
let b: TestBrowser
let owner: Page
let viewer: Page
let sessionId: string
const requests: string[] = []

describe.skipIf(!enabled)('web app together', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startEnv({ cli: 'real' }), launchBrowser()])
    const carol = await e.s.createUser(e.admin, 'carol')
    await addMember(e, carol.id, 'viewer')
    e.mock!.enqueue(reply.text('Hello from the first run.'))
    const ex = await execute(e, { prompt: 'Say hello' })
    sessionId = ex.session_id
    await waitStatus(e, ex.execution_id)
    const [a, c] = await Promise.all([b.context(), b.context()])
    for (const x of [a, c]) x.ctx.on('request', (r) => void requests.push(r.url()))
    owner = a.page
    viewer = c.page
    await Promise.all([
      signIn(owner, e.s.url, 'admin', ADMIN_PASSWORD),
      signIn(viewer, e.s.url, 'carol', 'carol-password'),
    ])
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test('both see the conversation and each other online; the viewer has no prompt box and no upload', async () => {
    await Promise.all([owner.goto(`${e.s.url}/s/${sessionId}`), viewer.goto(`${e.s.url}/s/${sessionId}`)])
    for (const p of [owner, viewer]) {
      await p.getByText('Hello from the first run.').waitFor()
      await waitFor(
        async () => (await p.locator('.people li[data-online="true"]').count()) === 2,
        10_000,
        'both online',
      )
    }
    expect(await owner.getByLabel('Message Claude').count()).toBe(1)
    expect(await viewer.getByLabel('Message Claude').count()).toBe(0)
    expect(await viewer.getByText('You are a viewer here').isVisible()).toBe(true)
    await Promise.all([owner, viewer].map((p) => openTab(p, 'Files')))
    await viewer.getByText('No files yet').waitFor()
    expect(await owner.locator('input[type="file"]').count()).toBe(1)
    expect(await viewer.locator('input[type="file"]').count()).toBe(0)
    expect(await viewer.locator('.people li', { hasText: 'carol' }).textContent()).toContain('viewer')
  })

  test('upload a file with visible progress, attach it to a prompt: Claude is told its path; the viewer sees it listed', async () => {
    await owner.evaluate(() => {
      const w = window as unknown as { __progress: number[] }
      w.__progress = []
      new MutationObserver(() => {
        const p = document.querySelector('progress')
        if (p) w.__progress.push(p.value)
      }).observe(document.body, { subtree: true, childList: true, attributes: true })
    })
    const content = Buffer.alloc(4 * 1024 * 1024, 'a')
    await owner
      .locator('input[type="file"]')
      .setInputFiles({ name: 'big-notes.txt', mimeType: 'text/plain', buffer: content })
    await owner.getByRole('button', { name: 'Download big-notes.txt' }).waitFor()
    const seen = await owner.evaluate(() => (window as unknown as { __progress: number[] }).__progress)
    expect(seen.length).toBeGreaterThan(0)
    await viewer.getByRole('button', { name: 'Download big-notes.txt' }).waitFor()

    e.mock!.enqueue(reply.text('I see the file.'))
    await owner.getByRole('button', { name: 'Attach big-notes.txt to the next prompt' }).click()
    expect(await owner.getByRole('list', { name: 'Attached files' }).textContent()).toContain('big-notes.txt')
    await owner.getByLabel('Message Claude').fill('Read the attached file')
    await owner.keyboard.press('Enter')
    await owner.getByText('I see the file.').waitFor({ timeout: 30_000 })
    await viewer.getByText('I see the file.').waitFor()
    expect(conversationText(e.mock!.requests.at(-1))).toContain('uploads/big-notes.txt')
    expect(await owner.locator('article.prompt .badge').last().textContent()).toBe('1 file(s)')
    expect(await owner.getByRole('list', { name: 'Attached files' }).count()).toBe(0)
  })

  test('nothing was loaded from another host', () => {
    expect(foreignHosts(requests, e.s.url)).toEqual([])
  })
})
