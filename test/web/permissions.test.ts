// Permission banners in Chromium: a collaborator approves a Write, keyboard, question, plan, phone, notifications.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { addMember, execute, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
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
  startSession,
  type TestBrowser,
} from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireRealCli('web app permissions (real CLI)') && requireChromium('web app permissions (Chromium)')

let e: Env
let b: TestBrowser
let owner: Page
let bob: Page
let vic: Page
const requests: string[] = []

async function context(opts: Parameters<TestBrowser['context']>[0] = {}) {
  const c = await b.context(opts)
  c.ctx.on('request', (r) => void requests.push(r.url()))
  return c
}

const statusOf = (p: Page) => p.locator('[role="status"][data-status]')
const untilStatus = (p: Page, status: string) =>
  waitFor(async () => (await statusOf(p).getAttribute('data-status')) === status, 30_000, `status ${status}`)
const decisions = (p: Page) => p.locator('p.note.decision')
/** tool_result blocks the CLI sent back to the mock API. */
const toolResults = () =>
  e
    .mock!.requests.flatMap((r) => (r.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? m.content : [])))
    .filter((x: any) => x?.type === 'tool_result')

describe.skipIf(!enabled)('web app permissions', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startEnv({ cli: 'real' }), launchBrowser()])
    const [bobUser, vicUser] = await Promise.all([e.s.createUser(e.admin, 'bob'), e.s.createUser(e.admin, 'vic')])
    await addMember(e, bobUser.id, 'collaborator')
    await addMember(e, vicUser.id, 'viewer')
    const pages = await Promise.all([context(), context(), context()])
    ;[owner, bob, vic] = pages.map((c) => c.page) as [Page, Page, Page]
    await Promise.all([
      signIn(owner, e.s.url, 'admin', ADMIN_PASSWORD),
      signIn(bob, e.s.url, 'bob', 'bob-password'),
      signIn(vic, e.s.url, 'vic', 'vic-password'),
    ])
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test("a collaborator in a second browser context approves a Write that the owner's run asked for, and both see who approved", async () => {
    const target = join(e.workspacePath, 'approved.txt')
    e.mock!.enqueue(reply.toolUse('Write', { file_path: target, content: 'approved by bob\n' }), reply.text('Written.'))
    const sessionId = await startSession(owner, e.s.url, e.workspaceId, 'Write the file')
    await banner(owner).locator('.diff .add').first().waitFor({ timeout: 30_000 })
    await untilStatus(owner, 'waiting_for_permission')
    // bob opens the session after the request was made: it comes with the session's state and log
    await bob.goto(`${e.s.url}/s/${sessionId}`)
    expect(await banner(bob).locator('.diff').textContent()).toContain('+approved by bob')
    expect(await banner(bob).textContent()).toContain('Claude wants to use Write')
    await bob.goto(`${e.s.url}/w/${e.workspaceId}`)
    await bob.locator('ul.sessions li', { hasText: 'waiting for permission' }).waitFor()
    await bob.locator('ul.sessions li a').first().click()
    await banner(bob).getByRole('button', { name: 'Allow', exact: true }).click()
    for (const p of [owner, bob]) {
      await decisions(p).first().waitFor()
      expect(await decisions(p).first().textContent()).toBe('bob allowed Write approved.txt')
      await untilStatus(p, 'completed')
      expect(await banner(p).count()).toBe(0)
    }
    expect(existsSync(target)).toBe(true)
  })

  test('keyboard: Enter allows one Write, Esc opens the deny form whose message Claude reads; the denied file is not written', async () => {
    const a = join(e.workspacePath, 'kept.txt')
    const d = join(e.workspacePath, 'refused.txt')
    e.mock!.enqueue(
      reply.toolUse('Write', { file_path: a, content: 'a\n' }),
      reply.toolUse('Write', { file_path: d, content: 'd\n' }, { id: 'toolu_refused' }),
      reply.text('Understood.'),
    )
    await startSession(owner, e.s.url, e.workspaceId, 'Write two files')
    await banner(owner).getByText(a).waitFor({ timeout: 30_000 })
    await owner.keyboard.press('Enter')
    await banner(owner).getByText(d).waitFor({ timeout: 30_000 })
    await owner.keyboard.press('Escape')
    await owner.getByLabel('Message to Claude (optional)').fill('Not in this repo')
    await owner.keyboard.press('Enter')
    await untilStatus(owner, 'completed')
    expect(await decisions(owner).allTextContents()).toEqual([
      'admin allowed Write kept.txt',
      'admin denied Write refused.txt: Not in this repo',
    ])
    expect(await decisions(owner).locator('code').last().getAttribute('title')).toBe(d)
    expect(existsSync(a)).toBe(true)
    expect(existsSync(d)).toBe(false)
    expect(toolResults().find((x) => x.tool_use_id === 'toolu_refused')).toMatchObject({
      is_error: true,
      content: expect.stringContaining('Not in this repo'),
    })
  })

  test('a question: its options are buttons; the viewer sees them without being able to answer; a click answers', async () => {
    const questions = [
      {
        question: 'Which color?',
        header: 'Color',
        options: [
          { label: 'Red', description: 'warm' },
          { label: 'Blue', description: 'cool' },
        ],
        multiSelect: false,
      },
    ]
    e.mock!.enqueue(reply.toolUse('AskUserQuestion', { questions }, { id: 'toolu_ask' }), reply.text('Blue it is'))
    const sessionId = await startSession(owner, e.s.url, e.workspaceId, 'Ask me')
    await banner(owner).getByRole('button', { name: /^Blue/ }).waitFor({ timeout: 30_000 })
    await vic.goto(`${e.s.url}/s/${sessionId}`)
    expect(await banner(vic).getByRole('button', { name: /^Blue/ }).isDisabled()).toBe(true)
    expect(await banner(vic).textContent()).toContain('Waiting for owner or collaborator to answer')
    await banner(owner).getByRole('button', { name: /^Blue/ }).click()
    await owner.getByText('Blue it is').waitFor({ timeout: 30_000 })
    await vic.getByText('Blue it is').waitFor()
    expect(await decisions(vic).textContent()).toBe('admin answered the question')
    expect(JSON.stringify(toolResults().find((x) => x.tool_use_id === 'toolu_ask')?.content)).toContain(
      '\\"Which color?\\"=\\"Blue\\"',
    )
  })

  test('a plan shows as markdown; Keep planning sends the feedback Claude reads', async () => {
    e.mock!.enqueue(
      reply.toolUse('ExitPlanMode', { plan: '## The plan\n\n1. add **tests**\n2. ship' }, { id: 'toolu_plan' }),
      reply.text('Revising.'),
    )
    const ex = await execute(e, { prompt: 'Plan it', permission_mode: 'plan' })
    await owner.goto(`${e.s.url}/s/${ex.session_id}`)
    await banner(owner).getByRole('heading', { name: 'The plan' }).waitFor({ timeout: 30_000 })
    expect(await banner(owner).locator('.plan strong').textContent()).toBe('tests')
    await banner(owner).getByRole('button', { name: 'Keep planning' }).click()
    await owner.getByLabel('Feedback for Claude (optional)').fill('Write the tests first')
    await banner(owner).getByRole('button', { name: 'Keep planning' }).click()
    await owner.getByText('Revising.').waitFor({ timeout: 30_000 })
    expect(await decisions(owner).textContent()).toBe('admin asked to keep planning: Write the tests first')
    expect(toolResults().find((x) => x.tool_use_id === 'toolu_plan')).toMatchObject({
      is_error: true,
      content: expect.stringContaining('Write the tests first'),
    })
  })

  test('on a phone (390×844) the pending Bash command and its buttons are on screen; Allow works', async () => {
    const { page, ctx } = await context({ viewport: { width: 390, height: 844 } })
    await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
    e.mock!.enqueue(
      reply.toolUse('Bash', { command: 'echo hello > greeting.txt', description: 'Write a greeting' }),
      reply.text('Greeted.'),
    )
    await startSession(page, e.s.url, e.workspaceId, 'Greet')
    await banner(page).getByText('$ echo hello > greeting.txt').waitFor({ timeout: 30_000 })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    for (const name of ['Allow', 'Allow for this session', 'Deny']) {
      const box = (await banner(page).getByRole('button', { name, exact: true }).boundingBox())!
      expect(box.y + box.height).toBeLessThanOrEqual(844)
      expect(box.x + box.width).toBeLessThanOrEqual(390)
    }
    await screenshot(page, 'permission-phone')
    await banner(page).getByRole('button', { name: 'Allow', exact: true }).click()
    await untilStatus(page, 'completed')
    expect(existsSync(join(e.workspacePath, 'greeting.txt'))).toBe(true)
    await ctx.close()
  })

  test('notifications while the tab is hidden: a request and the end of the run, nothing again after a reload', async () => {
    const { page, ctx } = await context()
    // the browser's Notification API recorded (a headless browser shows none) and a tab that is always hidden
    await ctx.addInitScript(() => {
      const w = window as unknown as { __notes: string[]; Notification: unknown }
      w.__notes = []
      w.Notification = class {
        static permission = 'granted'
        static requestPermission = async () => 'granted'
        onclick: (() => void) | null = null
        constructor(title: string, o: { body?: string } = {}) {
          w.__notes.push(`${title} | ${o.body ?? ''}`)
        }
        close() {}
      }
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })
    })
    const notes = () => page.evaluate(() => (window as unknown as { __notes: string[] }).__notes)
    await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
    e.mock!.enqueue(reply.text('First.'))
    const first = await execute(e, { prompt: 'Notify me' })
    await waitStatus(e, first.execution_id)
    // all of it happened before this device looked: nothing to notify
    await page.goto(`${e.s.url}/s/${first.session_id}`)
    await page.getByText('First.').waitFor({ timeout: 30_000 })
    await untilStatus(page, 'completed')
    expect(await notes()).toEqual([])
    e.mock!.enqueue(
      reply.toolUse('Write', { file_path: join(e.workspacePath, 'noted.txt'), content: 'n\n' }),
      reply.text('Second.'),
    )
    await execute(e, { prompt: 'Write it', session_id: first.session_id })
    await banner(page).waitFor({ timeout: 30_000 })
    await waitFor(async () => (await notes()).length === 1, 10_000, 'a notification for the request')
    expect((await notes())[0]).toBe('Claude needs an answer | Notify me: Claude wants to use Write')
    await banner(page).getByRole('button', { name: 'Allow', exact: true }).click()
    await untilStatus(page, 'completed')
    await waitFor(async () => (await notes()).length === 2, 10_000, 'a notification for the end')
    expect((await notes())[1]).toStartWith('Claude is done')
    await page.reload()
    await page.getByText('Second.').waitFor()
    await untilStatus(page, 'completed')
    expect(await notes()).toEqual([])
    await ctx.close()
  })

  test('nothing was loaded from another host', () => {
    expect(foreignHosts(requests, e.s.url)).toEqual([])
  })
})
