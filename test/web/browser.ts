// Headless Debian Chromium driven by playwright-core (no browser download); launch() gives each run a fresh temporary profile.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface TestBrowser {
  browser: Browser
  /** A new isolated context (own storage), recording every request's URL. */
  context(opts?: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' }): Promise<{ ctx: BrowserContext; page: Page; requests: string[] }>
  close(): Promise<void>
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
  return {
    browser,
    async context(opts = {}) {
      const ctx = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 }, colorScheme: opts.colorScheme ?? 'light' })
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
