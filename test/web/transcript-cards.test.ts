// Card types the real CLI does not produce against the mock (a Task sub-agent, a TodoWrite checklist), from a replayed run.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startEnv, stopEnv, type Env } from '../execution/helpers.ts'
import { ADMIN_PASSWORD } from '../support/server.ts'
import { launchBrowser, requireChromium, signIn, startSession, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireChromium('transcript cards (Chromium)')
const SAMPLE = join(import.meta.dir, 'fixtures/task-subagent.jsonl')

let e: Env
let b: TestBrowser
let page: Page

describe.skipIf(!enabled)('transcript cards', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([
      startEnv({ cli: 'fake', env: { FAKE_CLAUDE_MODE: 'replay', FAKE_CLAUDE_SAMPLE: SAMPLE } }),
      launchBrowser(),
    ])
    page = (await b.context()).page
    await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
    await startSession(page, e.s.url, e.workspaceId, 'Survey and plan')
    await page.getByText('Main agent: all done.').waitFor()
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test('a Task sub-agent’s messages fold under its card, collapsed, not into the main conversation', async () => {
    const task = page.locator('[data-tool="Task"]')
    expect(await task.locator('> header code').textContent()).toBe('Survey the sources')
    const folded = task.locator('details.subagent')
    expect(await folded.locator('> summary').textContent()).toBe('Explore sub-agent · 3 steps')
    expect(await folded.getAttribute('open')).toBeNull()
    // every message of the sub-agent is inside the card; the main agent's are not
    expect(await page.locator('article.assistant').filter({ hasText: 'Sub-agent:' }).count()).toBe(2)
    expect(await folded.locator('article.assistant').filter({ hasText: 'Sub-agent:' }).count()).toBe(2)
    expect(await folded.locator('article.assistant').filter({ hasText: 'Main agent' }).count()).toBe(0)
    expect(await page.locator('[data-tool="Read"]').count()).toBe(1)
    await folded.locator('> summary').click()
    expect(await folded.locator('[data-tool="Read"]').isVisible()).toBe(true)
    expect(await folded.getByText('Sub-agent: src holds app.ts.').isVisible()).toBe(true)
    // a path inside the workspace (the CLI's cwd) shows relative to it, the full one on hover
    const read = folded.locator('[data-tool="Read"] header code')
    expect(await read.textContent()).toBe('src/app.ts')
    expect(await read.getAttribute('title')).toBe('/home/alice/project/src/app.ts')
    // the sub-agent's tool call got its result (no pending mark)
    expect(await folded.locator('[data-tool="Read"] .pending').count()).toBe(0)
  })

  test('TodoWrite shows as a checklist', async () => {
    const todo = page.locator('[data-tool="TodoWrite"]')
    expect(await todo.locator('li').allTextContents()).toEqual([' Survey the sources', ' Write a summary'])
    expect(await todo.locator('li.completed input').isChecked()).toBe(true)
    expect(await todo.locator('li.in_progress input').isChecked()).toBe(false)
  })
})
