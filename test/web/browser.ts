// Headless Debian Chromium driven by playwright-core (no browser download); each launch gets a fresh profile.
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface TestBrowser {
  browser: Browser
  /** A new isolated context (own storage), recording every request's URL. */
  context(opts?: {
    viewport?: { width: number; height: number }
    colorScheme?: 'light' | 'dark'
  }): Promise<{ ctx: BrowserContext; page: Page; requests: string[] }>
  close(): Promise<void>
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
  return {
    browser,
    async context(opts = {}) {
      const ctx = await browser.newContext({
        viewport: opts.viewport ?? { width: 1280, height: 800 },
        colorScheme: opts.colorScheme ?? 'light',
      })
      const requests: string[] = []
      ctx.on('request', (r) => void requests.push(r.url()))
      const page = await ctx.newPage()
      return { ctx, page, requests }
    },
    async close() {
      await browser.close().catch(() => {})
    },
  }
}

/** Chromium present, or a loud failure in CI (a skipped browser suite would let CI pass untested), else a skip. */
export function requireChromium(suite: string, env: Record<string, string | undefined> = process.env): boolean {
  if (existsSync(CHROMIUM)) return true
  if (env.CI === 'true')
    throw new Error(`${suite}: ${CHROMIUM} is missing (apt-get install chromium); with CI=true it must run, not skip`)
  console.warn(`skipping ${suite}: no ${CHROMIUM} (apt-get install chromium)`)
  return false
}

/** Signs in through the form and waits for the workspace screen. */
export async function signIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
}

/** Every host the pages of a context asked for that is not the server's own. */
export function foreignHosts(requests: string[], base: string): string[] {
  const own = new URL(base).host
  return requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).host !== own)
}

const SHOTS = resolve(import.meta.dir, '../../docs/screenshots')

/** Saves docs/screenshots/<name>.png only with CCHUB_SCREENSHOTS=1, so an ordinary test run leaves the tree clean. */
export async function screenshot(
  page: Page,
  name: string,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  if (env.CCHUB_SCREENSHOTS !== '1') return
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

/** Opens a tab of the session's side panel (People, Files, Document); its content is rendered from then on. */
export async function openTab(page: Page, name: 'People' | 'Files' | 'Document'): Promise<void> {
  const tab = page.getByRole('tab', { name: new RegExp(`^${name}`) })
  await tab.click()
  await page.locator(`#${await tab.getAttribute('aria-controls')}:not([hidden])`).waitFor()
}

/** Starts a session from the workspace screen with the prompt box and waits for its session view; the session's id. */
export async function startSession(page: Page, base: string, workspaceId: string, prompt: string): Promise<string> {
  await page.goto(`${base}/w/${workspaceId}`)
  await page.getByLabel('What should Claude do?').fill(prompt)
  await page.keyboard.press('Enter')
  await page.waitForURL(/\/s\/[^/]+$/)
  return new URL(page.url()).pathname.split('/').pop()!
}

/** The banner of a pending permission request, question or plan. */
export const banner = (page: Page) => page.getByRole('region', { name: 'Claude is waiting for an answer' })
