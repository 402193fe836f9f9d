// The owner manages the session's people in Chromium: invite by name, change a role, remove, share links; typing shows.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { execute, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { ADMIN_PASSWORD } from '../support/server.ts'
import { launchBrowser, requireChromium, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireRealCli('web app sharing (real CLI)') && requireChromium('web app sharing (Chromium)')

let e: Env
let b: TestBrowser
let owner: Page
let bob: Page
let sessionId: string

const person = (p: Page, name: string) => p.locator('.people li', { hasText: name })

describe.skipIf(!enabled)('web app sharing', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startEnv({ cli: 'real' }), launchBrowser()])
    for (const name of ['bob', 'dave', 'erin']) await e.s.createUser(e.admin, name)
    e.mock!.enqueue(reply.text('Shared hello.'))
    const ex = await execute(e, { prompt: 'Say hello' })
    sessionId = ex.session_id
    await waitStatus(e, ex.execution_id)
    const [a, c] = await Promise.all([b.context(), b.context()])
    await a.ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e.s.url })
    owner = a.page
    bob = c.page
    await Promise.all([signIn(owner, e.s.url, 'admin', ADMIN_PASSWORD), signIn(bob, e.s.url, 'bob', 'bob-password')])
    await owner.goto(`${e.s.url}/s/${sessionId}`)
    await owner.getByText('Shared hello.').waitFor()
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test('the owner invites bob by username as viewer, makes him collaborator, and he sees the prompt box', async () => {
    await owner.getByLabel('Invite (username)').fill('bob')
    await owner.getByLabel('Role of the invited user').selectOption('viewer')
    await owner.getByRole('button', { name: 'Invite', exact: true }).click()
    await owner.getByLabel('Role of bob').waitFor()
    expect(await owner.getByLabel('Role of bob').inputValue()).toBe('viewer')

    await bob.goto(`${e.s.url}/s/${sessionId}`)
    await bob.getByText('Shared hello.').waitFor()
    await bob.getByText('You are a viewer here').waitFor()
    expect(await bob.getByLabel('Role of bob').count()).toBe(0) // no owner controls for him

    await owner.getByLabel('Role of bob').selectOption('collaborator')
    await person(bob, 'bob').getByText('collaborator').waitFor()
    // his role changed live: a reload shows him the prompt box
    await bob.reload()
    await bob.getByLabel('Message Claude').waitFor()
  })

  test('an unknown username is refused with the server message', async () => {
    await owner.getByLabel('Invite (username)').fill('nobody-here')
    await owner.getByRole('button', { name: 'Invite', exact: true }).click()
    await owner.getByRole('region', { name: 'People' }).getByRole('alert').getByText('User not found').waitFor()
  })

  test('while bob types, the owner sees "bob is typing…"; it goes when he clears the box', async () => {
    await bob.getByLabel('Message Claude').pressSequentially('Hel')
    await owner.getByText('bob is typing…').waitFor()
    await bob.getByLabel('Message Claude').fill('')
    await owner.getByText('bob is typing…').waitFor({ state: 'detached' })
  })

  test('the owner removes bob: he disappears from the list', async () => {
    await owner.getByRole('button', { name: 'Remove bob' }).click()
    await person(owner, 'bob').waitFor({ state: 'detached' })
  })

  test('a share link is created, copied, opened by dave (he joins as viewer), then revoked (erin is refused)', async () => {
    await owner.getByLabel('Role the link grants').selectOption('viewer')
    await owner.getByRole('button', { name: 'Create link' }).click()
    const url = await owner.getByLabel('New link (shown once)').inputValue()
    expect(url).toMatch(new RegExp(`^${e.s.url}/join#.{16,}`))
    await owner.getByRole('button', { name: 'Copy link' }).click()
    await owner.getByText('Copied').waitFor()
    expect(await owner.evaluate(() => navigator.clipboard.readText())).toBe(url)

    const d = await b.context()
    await signIn(d.page, e.s.url, 'dave', 'dave-password')
    await d.page.goto(url)
    await d.page.waitForURL(`${e.s.url}/s/${sessionId}`)
    await d.page.getByText('Shared hello.').waitFor()
    await d.page.getByText('You are a viewer here').waitFor()
    await person(owner, 'dave').waitFor()
    // the token stayed in the fragment: the server never saw it in a request path
    expect(d.requests.some((r) => r.includes(url.split('#')[1]!) && !r.includes('/api/v1/claude/share/'))).toBe(false)

    await owner.getByRole('button', { name: 'Revoke the viewer link' }).click()
    await owner.locator('ul.links li[data-state="revoked"]').waitFor()
    const x = await b.context()
    await signIn(x.page, e.s.url, 'erin', 'erin-password')
    await x.page.goto(url)
    expect(await x.page.locator('.page [role="alert"]').textContent()).toMatch(/revoked|expired/i)
  })
})
