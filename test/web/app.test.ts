// The web app in headless Chromium against a real server, the real Claude CLI and the mock Messages API.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startEnv, stopEnv, type Env } from '../execution/helpers.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { ADMIN_PASSWORD } from '../support/server.ts'
import { waitFor } from '../support/wait.ts'
import {
  banner,
  foreignHosts,
  launchBrowser,
  requireChromium,
  screenshot,
  signIn,
  startSession as startSessionIn,
  type TestBrowser,
} from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireRealCli('web app (real CLI)') && requireChromium('web app (Chromium)')

let e: Env
let b: TestBrowser
let page: Page
const requests: string[] = []

const startSession = (p: Page, workspaceId: string, prompt: string) => startSessionIn(p, e.s.url, workspaceId, prompt)

const statusOf = (p: Page) => p.locator('[role="status"][data-status]')

describe.skipIf(!enabled)('web app', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startEnv({ cli: 'real' }), launchBrowser()])
    const c = await b.context()
    page = c.page
    c.ctx.on('request', (r) => void requests.push(r.url()))
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test('sign in: a wrong password shows the server message, the right one opens the workspaces; first-start hint shown', async () => {
    await page.goto(`${e.s.url}/`)
    expect(await page.getByText('printed its password').isVisible()).toBe(true)
    await screenshot(page, 'sign-in')
    await page.getByLabel('Password').fill('wrong-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('alert').textContent()).toMatch(/password/i)
    await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
    expect(await page.getByRole('heading', { name: 'Workspaces', level: 1 }).isVisible()).toBe(true)
  })

  test('create a workspace, then run a prompt: streamed markdown and tool cards (Read one line, Bash output, Write diff)', async () => {
    await page.getByLabel('New workspace name').fill('web-demo')
    await page.getByRole('button', { name: 'Create workspace' }).click()
    await page.waitForURL(/\/w\/[^/]+$/)
    const workspaceId = new URL(page.url()).pathname.split('/').pop()!
    const dir = join(e.workspacePath, '..', workspaceId)
    writeFileSync(join(dir, 'notes.md'), 'hello\n')
    e.mock!.enqueue(
      reply.toolUse('Read', { file_path: 'notes.md' }, { text: 'Let me look first.' }),
      // tools CLI 2.1.330 accepts (it refuses TodoWrite, whose checklist transcript-cards.test.ts covers), so the
      // README's screenshot shows a healthy run
      reply.toolUse('Bash', { command: 'wc -w notes.md' }),
      reply.toolUse('Write', { file_path: join(dir, 'summary.md'), content: '# Summary\n\nThe notes say hello.\n' }),
      reply.text('## Done\n\nThe notes say **hello**; I wrote `summary.md`.', { chunks: 8, delayMs: 30 }),
    )
    await startSession(page, workspaceId, 'Summarise the notes')
    // the CLI's default mode asks before Write: the banner shows the diff, the status line says why nothing moves
    await banner(page).locator('.diff .add').first().waitFor({ timeout: 40_000 })
    expect(await banner(page).locator('.diff').textContent()).toContain('+The notes say hello.')
    await waitFor(
      async () => (await statusOf(page).getAttribute('data-status')) === 'waiting_for_permission',
      10_000,
      'status waiting',
    )
    expect(await statusOf(page).textContent()).toMatch(/^Waiting for permission/)
    await banner(page).getByRole('button', { name: 'Allow', exact: true }).click()
    await page.locator('p.note.decision').waitFor()
    // the path inside the workspace shows relative to it, the absolute one on hover
    expect(await page.locator('p.note.decision').textContent()).toBe('admin allowed Write summary.md')
    expect(await page.locator('p.note.decision code').getAttribute('title')).toBe(join(dir, 'summary.md'))
    await page.getByRole('heading', { name: 'Done', level: 2 }).waitFor({ timeout: 40_000 })
    expect(await page.locator('article.prompt .who').first().textContent()).toBe('admin')
    expect(await page.locator('[data-tool="Read"] header code').textContent()).toBe('notes.md')
    expect(await page.locator('[data-tool="Bash"] .out').textContent()).toMatch(/^1 notes\.md/)
    expect(await page.locator('.card.error').count()).toBe(0)
    expect(await page.locator('[data-tool="Write"] header code').textContent()).toBe('summary.md')
    await page.locator('[data-tool="Write"] .diff .add').first().waitFor()
    expect(await page.locator('[data-tool="Write"] .diff').textContent()).toContain('+The notes say hello.')
    expect(await page.locator('article.assistant strong').last().textContent()).toBe('hello')
    await waitFor(
      async () => (await statusOf(page).getAttribute('data-status')) === 'completed',
      20_000,
      'status completed',
    )
    expect(await statusOf(page).textContent()).toMatch(/^Completed · \$[\d.]+ · \d+ turns?, /)
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toBe('# Summary\n\nThe notes say hello.\n')
    expect(await banner(page).count()).toBe(0)
    await screenshot(page, 'session')
    await page.goto(`${e.s.url}/w/${workspaceId}`)
    await page.locator('ul.sessions li').first().waitFor()
    await screenshot(page, 'sessions')
  })

  test('a reload in the middle of a stream resumes with no gap and no duplicate', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`)
    e.mock!.enqueue(reply.text(words.join(' '), { chunks: 40, delayMs: 120 }))
    const c = await b.context()
    c.ctx.on('request', (r) => void requests.push(r.url()))
    // every text the assistant article shows, from the first paint of each page load on
    await c.ctx.addInitScript(() => {
      const w = window as unknown as { __texts: string[] }
      w.__texts = []
      addEventListener('DOMContentLoaded', () => {
        new MutationObserver(() => {
          const t = Array.from(document.querySelectorAll('article.assistant'))
            .map((a) => a.textContent ?? '')
            .join('|')
          if (t && t !== w.__texts.at(-1)) w.__texts.push(t)
        }).observe(document.body, { subtree: true, childList: true, characterData: true })
      })
    })
    await signIn(c.page, e.s.url, 'admin', ADMIN_PASSWORD)
    await startSession(c.page, e.workspaceId, 'Count slowly')
    await waitFor(
      async () =>
        (
          (await c.page
            .locator('article.assistant')
            .textContent({ timeout: 500 })
            .catch(() => '')) ?? ''
        ).includes('w5'),
      20_000,
      'some streamed text',
    )
    await c.page.reload()
    await waitFor(
      async () => (await statusOf(c.page).getAttribute('data-status')) === 'completed',
      30_000,
      'status completed after the reload',
    )
    const texts = (await c.page.evaluate(() => (window as unknown as { __texts: string[] }).__texts)).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    )
    const full = words.join(' ')
    expect(texts.at(-1)).toBe(full)
    // after the reload the page caught up from the log and went on live: every state it showed was a prefix of the
    // reply
    expect(texts.length).toBeGreaterThan(2)
    for (const t of texts) expect(full.startsWith(t)).toBe(true)
    expect(texts[0]!.length).toBeLessThan(full.length)
    expect(await c.page.locator('article.prompt').count()).toBe(1)
    expect(await c.page.locator('article.assistant').count()).toBe(1)
    expect(await c.page.locator('p.note', { hasText: 'Claude started' }).count()).toBe(1)
    await c.ctx.close()
  })

  // Last on purpose: in this environment a new run of the same user after a cancelled hanging request stalled (see the
  // report).
  test("a refused tool call is a red card with the CLI's message, without the CLI's tag around it", async () => {
    e.mock!.enqueue(reply.toolUse('NoSuchTool', { what: 'nothing' }), reply.text('That tool is missing.'))
    await startSession(page, e.workspaceId, 'Use a missing tool')
    const out = page.locator('[data-tool="NoSuchTool"].error .out.err')
    await out.waitFor({ timeout: 40_000 })
    expect(await out.textContent()).toContain('No such tool available: NoSuchTool')
    expect(await out.textContent()).not.toContain('tool_use_error')
    expect(await page.locator('[data-tool="NoSuchTool"] .raw pre').textContent()).toContain('<tool_use_error>')
  })

  test('Stop ends a hanging run: POST cancel, the status line and the transcript say it was cancelled', async () => {
    e.mock!.enqueue(reply.hang(''))
    await startSession(page, e.workspaceId, 'Wait forever')
    await waitFor(
      async () => (await statusOf(page).getAttribute('data-status')) === 'running',
      20_000,
      'status running',
    )
    await e.mock!.waitForRequests(1)
    await page.getByRole('button', { name: 'Stop' }).click()
    await waitFor(
      async () => (await statusOf(page).getAttribute('data-status')) === 'cancelled',
      20_000,
      'status cancelled',
    )
    expect(await statusOf(page).textContent()).toBe('Cancelled: the run was stopped')
    expect(await page.locator('p.note.error').last().textContent()).toStartWith('Run cancelled')
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0)
  })

  test('the pages loaded nothing from another host', () => {
    expect(requests.length).toBeGreaterThan(10)
    expect(foreignHosts(requests, e.s.url)).toEqual([])
  })
})
