// Roles change under open pages in Chromium: a new role shows without reload, a removed user gets a notice, handover.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { addMember, execute, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { launchBrowser, requireChromium, screenshot, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
// the real CLI, so the pages (and the handover screenshot) show a healthy server, not the "no Claude CLI" banner
const enabled =
  requireRealCli('web app roles and handover (real CLI)') && requireChromium('web app roles and handover (Chromium)')

let e: Env
let b: TestBrowser
const pages: Record<'alice' | 'bob' | 'carol', Page> = {} as never

const invite = async (token: string, sessionId: string, username: string, role: string) => {
  const url = `/api/v1/claude/sessions/${sessionId}/participants`
  expect((await e.s.api(url, { token, body: { username, role } })).status).toBe(201)
}

describe.skipIf(!enabled)('web app roles and handover', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startEnv({ cli: 'real' }), launchBrowser()])
    const [alice] = await Promise.all(['alice', 'bob', 'carol'].map((n) => e.s.createUser(e.admin, n)))
    // alice may start sessions in the admin's workspace; bob and carol only take part in hers
    await addMember(e, alice!.id, 'collaborator')
    e.mock!.enqueue(reply.text('Here is the plan: read the notes, then write a summary.'))
    const x = await execute(e, { prompt: 'Alice asks' }, alice!.token)
    await waitStatus(e, x.execution_id)
    await invite(alice!.token, x.session_id, 'bob', 'collaborator')
    await invite(alice!.token, x.session_id, 'carol', 'viewer')
    for (const name of ['alice', 'bob', 'carol'] as const) {
      const { page } = await b.context()
      await signIn(page, e.s.url, name, `${name}-password`)
      await page.goto(`${e.s.url}/s/${x.session_id}`)
      await page.locator('.people li', { hasText: 'carol' }).waitFor()
      pages[name] = page
    }
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test("bob's new role shows on his open page without a reload: viewer, then collaborator again", async () => {
    const { alice, bob } = pages
    await bob.getByLabel('Message Claude').waitFor()
    await alice.getByLabel('Role of bob').selectOption('viewer')
    await bob.getByText('You are a viewer here').waitFor()
    await alice.getByLabel('Role of bob').selectOption('collaborator')
    await bob.getByLabel('Message Claude').waitFor()
  })

  test('carol, removed by the owner, sees a notice instead of a broken page', async () => {
    await pages.alice.getByRole('button', { name: 'Remove carol' }).click()
    await pages.carol.getByRole('heading', { name: 'You no longer have access to this session' }).waitFor()
    await screenshot(pages.carol, 'removed')
    expect(await pages.carol.getByLabel('Conversation').count()).toBe(0)
  })

  test('alice hands the session over to bob: he gets the owner controls, she becomes a collaborator, live', async () => {
    const { alice, bob } = pages
    expect(await bob.getByLabel('Invite (username)').count()).toBe(0)
    await alice.getByRole('button', { name: 'Make bob the owner' }).click()
    await screenshot(alice, 'handover')
    await alice.getByRole('button', { name: 'Hand over' }).click()
    await bob.getByLabel('Invite (username)').waitFor()
    await alice.getByLabel('Invite (username)').waitFor({ state: 'detached' })
    await alice.locator('.people li', { hasText: 'alice' }).getByText('collaborator').waitFor()
    await alice.getByLabel('Message Claude').waitFor() // still a collaborator: she may prompt
  })
})
