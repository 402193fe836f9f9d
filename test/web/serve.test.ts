// The web app as served: the page and client routes, hashed assets, CSP, the bundle budget, the embedding.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildWebAssets, embeddedModule, type WebAssets } from '../../src/modules/web/build.ts'
import { startTestServer, type TestServer } from '../support/server.ts'
import { expectError } from '../foundation/helpers.ts'

setDefaultTimeout(30_000)
const BUDGET_GZIP = 150 * 1024

let s: TestServer
let assets: WebAssets
beforeAll(async () => {
  ;[s, assets] = await Promise.all([startTestServer(), buildWebAssets()])
})
afterAll(() => s.close())

const scriptsOf = (html: string) => [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!)

test('/ and every client-side route answer the app page, without credentials, with a strict CSP', async () => {
  for (const path of ['/', '/w/abc', '/s/abc', '/account', '/admin']) {
    const res = await fetch(s.url + path)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/html')
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain(`connect-src 'self' ws://${new URL(s.url).host} wss://${new URL(s.url).host}`)
    expect(csp).not.toContain('unsafe-inline')
    const html = await res.text()
    // no inline script: every script is a file of this server
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(scriptsOf(html).every((src) => src.startsWith('/assets/'))).toBe(true)
    expect(html).not.toMatch(/https?:\/\//)
  }
})

test('assets are served with a long immutable cache; an unknown one is a 404 in the error shape', async () => {
  const html = await (await fetch(`${s.url}/`)).text()
  const [entry] = scriptsOf(html)
  const res = await fetch(s.url + entry)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toStartWith('text/javascript')
  expect(res.headers.get('cache-control')).toContain('immutable')
  expect(entry).toMatch(/^\/assets\/main-[a-z0-9]+\.js$/)
  await expectError(await fetch(`${s.url}/assets/nope.js`), 404, 'NOT_FOUND')
  // API paths keep their JSON 404s: the app does not swallow unknown routes
  await expectError(await fetch(`${s.url}/api/v1/nope`), 404, 'NOT_FOUND')
})

test('initial JavaScript (entry + its static imports) stays within 150 KB gzipped; markdown, diff and the editor load lazily', () => {
  const initial = [assets.entry, ...assets.preload]
  const gz = initial.reduce((sum, n) => sum + Bun.gzipSync(assets.files[n]!.body).length, 0)
  expect(gz).toBeLessThanOrEqual(BUDGET_GZIP)
  const initialCode = initial.map((n) => new TextDecoder().decode(assets.files[n]!.body)).join('\n')
  const lazy = Object.keys(assets.files).filter((n) => n.endsWith('.js') && !initial.includes(n))
  expect(lazy.length).toBeGreaterThan(0)
  // DOMPurify and the diff library are in a lazy chunk, not in what every page load pays for
  expect(initialCode).not.toContain('DOMPurify')
  expect(lazy.some((n) => new TextDecoder().decode(assets.files[n]!.body).includes('DOMPurify'))).toBe(true)
  // so is the shared document editor
  expect(initialCode).not.toContain('remote-cursor')
  expect(lazy.some((n) => new TextDecoder().decode(assets.files[n]!.body).includes('remote-cursor'))).toBe(true)
})

test('the module compiled into the binary returns the same files byte for byte', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cchub-web-embed-'))
  try {
    const file = join(dir, 'assets.ts')
    writeFileSync(file, embeddedModule(assets))
    const embedded = (await (await import(file)).loadWebAssets()) as WebAssets
    expect(embedded.entry).toBe(assets.entry)
    expect(embedded.styles).toEqual(assets.styles)
    expect(Object.keys(embedded.files).sort()).toEqual(Object.keys(assets.files).sort())
    for (const [name, f] of Object.entries(assets.files)) {
      expect(embedded.files[name]!.type).toBe(f.type)
      expect(Buffer.from(embedded.files[name]!.body).equals(Buffer.from(f.body))).toBe(true)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
