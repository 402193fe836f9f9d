// The other screens in Chromium: admin users, change password, health banner, phone, keyboard, landmarks, dark.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { execute, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { ADMIN_PASSWORD, startTestServer } from '../support/server.ts'
import { foreignHosts, launchBrowser, requireChromium, screenshot, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireRealCli('web app screens (real CLI)') && requireChromium('web app screens (Chromium)')

let e: Env
let b: TestBrowser
let sessionId: string
let bareUrl = 'http://unused'
const requests: string[] = []

async function context(opts: Parameters<TestBrowser['context']>[0] = {}) {
  const c = await b.context(opts)
  c.ctx.on('request', (r) => void requests.push(r.url()))
  return c
}

describe.skipIf(!enabled)('web app screens', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startEnv({ cli: 'real' }), launchBrowser()])
    e.mock!.enqueue(
      reply.toolUse('Read', { file_path: 'README.md' }, { text: 'Looking.' }),
      reply.text('All **good**: nothing to change.'),
    )
    const ex = await execute(e, { prompt: 'Check the readme' })
    sessionId = ex.session_id
    await waitStatus(e, ex.execution_id)
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test('admin: list users, create one, disable and enable it', async () => {
    const { page, ctx } = await context()
    await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
    await page.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('cell', { name: 'admin' }).first().waitFor()
    await page.getByLabel('Username').fill('dave')
    await page.getByLabel('Password').fill('dave-password')
    await page.getByRole('button', { name: 'Create user' }).click()
    const row = page.getByRole('row', { name: /dave/ })
    await row.getByText('active').waitFor()
    await page.getByRole('button', { name: 'Disable dave' }).click()
    await row.getByText('disabled').waitFor()
    const res = await e.s.api('/api/v1/auth/login', { body: { username: 'dave', password: 'dave-password' } })
    // a disabled user is refused at login
    expect(res.status).toBe(403)
    await page.getByRole('button', { name: 'Enable dave' }).click()
    await row.getByText('active').waitFor()
    await ctx.close()
  })

  test('change password, sign out (tokens gone from storage), sign in with the new one', async () => {
    await e.s.createUser(e.admin, 'erin')
    const { page, ctx } = await context()
    await signIn(page, e.s.url, 'erin', 'erin-password')
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual(['cchub.refresh_token'])
    await page.getByRole('link', { name: 'erin' }).click()
    await page.getByLabel('Current password').fill('erin-password')
    await page.getByLabel('New password', { exact: true }).fill('erin-new-password')
    await page.getByLabel('New password again').fill('erin-new-password')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByText('Password changed').waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([])
    await page.reload()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    await signIn(page, e.s.url, 'erin', 'erin-new-password')
    // tokens never travel in URLs
    expect(requests.some((u) => /token=/.test(u))).toBe(false)
    await ctx.close()
  })

  test('a fresh page load keeps you signed in (refresh token), landmarks and labels are there, and the keyboard reaches the prompt', async () => {
    const { page, ctx } = await context()
    await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
    await page.goto(`${e.s.url}/s/${sessionId}`)
    await page.getByText('nothing to change').waitFor()
    for (const [role, name] of [
      ['main', undefined],
      ['banner', undefined],
      ['navigation', 'Workspaces'],
      ['log', 'Conversation'],
      ['complementary', 'Session details'],
    ] as const) {
      expect(await page.getByRole(role, name ? { name } : {}).count()).toBe(1)
    }
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    await page.getByLabel('Message Claude').focus()
    await page.keyboard.type('first line')
    await page.keyboard.press('Shift+Enter')
    await page.keyboard.type('second line')
    expect(await page.getByLabel('Message Claude').inputValue()).toBe('first line\nsecond line')
    await ctx.close()
  })

  test('phone (390×844, dark): one column, no sideways scrolling, the prompt box on screen', async () => {
    const { page, ctx } = await context({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' })
    await signIn(page, e.s.url, 'admin', ADMIN_PASSWORD)
    await page.goto(`${e.s.url}/s/${sessionId}`)
    await page.getByText('nothing to change').waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    const box = (await page.getByLabel('Message Claude').boundingBox())!
    expect(box.y + box.height).toBeLessThanOrEqual(844)
    expect(box.width).toBeGreaterThan(200)
    // a conversation taller than the screen scrolls inside the transcript: the pickers under the prompt stay on screen
    await page.evaluate(() =>
      document
        .querySelector('.transcript')!
        .append(Object.assign(document.createElement('div'), { style: 'min-height:2000px' })),
    )
    const pickers = (await page.getByLabel('Permission mode').boundingBox())!
    expect(pickers.y + pickers.height).toBeLessThanOrEqual(844)
    expect(await page.evaluate(() => document.querySelector('main')!.scrollHeight)).toBeLessThanOrEqual(844)
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(21, 23, 27)')
    await page.evaluate(() => document.querySelector('.transcript > div:last-child')!.remove())
    await screenshot(page, 'phone')
    await ctx.close()
  })

  test('a server without a Claude CLI and without a sandbox says so in a banner', async () => {
    const bare = await startTestServer({ claudeBin: '/nonexistent/claude', sandbox: 'off' })
    bareUrl = bare.url
    try {
      const { page, ctx } = await context()
      await signIn(page, bare.url, 'admin', ADMIN_PASSWORD)
      const alert = page.getByRole('alert')
      await alert.getByText('No working Claude Code CLI').waitFor()
      expect(await alert.textContent()).toContain('No sandbox')
      await ctx.close()
    } finally {
      await bare.close()
    }
  })

  test('nothing was loaded from another host', () => {
    // the banner test's page belongs to its own server
    expect(
      foreignHosts(
        requests.filter((u) => !u.startsWith(bareUrl)),
        e.s.url,
      ),
    ).toEqual([])
  })
})
