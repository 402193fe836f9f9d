// Workspaces in Chromium: register an existing directory inside a root (offered only then), members by username.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server.ts'
import { waitFor } from '../support/wait.ts'
import { launchBrowser, requireChromium, screenshot, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireChromium('web app workspaces (Chromium)')

let s: TestServer
let b: TestBrowser
let root: string

describe.skipIf(!enabled)('web app workspaces', () => {
  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'cchub-web-roots-')))
    mkdirSync(join(root, 'project'))
    ;[s, b] = await Promise.all([startTestServer({ workspaceRoots: [root] }), launchBrowser()])
    await s.createUser(await s.login(), 'bob')
  })
  afterAll(async () => {
    await b?.close()
    await s?.close()
    rmSync(root, { recursive: true, force: true })
  })

  test('the admin registers an existing directory, adds bob as viewer, makes him collaborator, removes him', async () => {
    const { page, ctx } = await b.context()
    await signIn(page, s.url, 'admin', ADMIN_PASSWORD)
    await page.getByText(`register one inside ${root}`).waitFor()
    await page.getByLabel('New workspace name').fill('project')
    await page.getByLabel('Existing directory (optional)').fill(join(root, 'project'))
    await page.getByRole('button', { name: 'Create workspace' }).click()
    await page.waitForURL(/\/w\/[^/]+$/)
    await page.getByText(join(root, 'project'), { exact: true }).waitFor()
    const wsId = new URL(page.url()).pathname.split('/').pop()!

    await page.getByLabel('Add member (username)').fill('nobody')
    await page.getByRole('button', { name: 'Add member' }).click()
    await page.getByRole('region', { name: 'Members' }).getByRole('alert').getByText('User not found').waitFor()

    await page.getByLabel('Add member (username)').fill('bob')
    await page.getByLabel('Default role of the new member').selectOption('viewer')
    await page.getByRole('button', { name: 'Add member' }).click()
    await page.getByLabel('Default role of bob').waitFor()
    expect(await page.getByLabel('Default role of bob').inputValue()).toBe('viewer')
    await screenshot(page, 'workspace-members')

    // bob sees the workspace, its members read-only, and cannot manage them
    const bob = await b.context()
    await signIn(bob.page, s.url, 'bob', 'bob-password')
    await bob.page.goto(`${s.url}/w/${wsId}`)
    await bob.page.getByRole('region', { name: 'Members' }).getByText('viewer').waitFor()
    expect(await bob.page.getByLabel('Add member (username)').count()).toBe(0)

    await page.getByLabel('Default role of bob').selectOption('collaborator')
    await waitForRole(s, wsId, 'collaborator')
    await page.getByRole('button', { name: 'Remove member bob' }).click()
    await page.getByText('No members: only the owner and admins.').waitFor()
    await Promise.all([ctx.close(), bob.ctx.close()])
  })

  test('without workspace roots the app offers no directory to register', async () => {
    const bare = await startTestServer()
    try {
      const { page, ctx } = await b.context()
      await signIn(page, bare.url, 'admin', ADMIN_PASSWORD)
      await page.getByLabel('New workspace name').waitFor()
      expect(await page.getByLabel('Existing directory (optional)').count()).toBe(0)
      await ctx.close()
    } finally {
      await bare.close()
    }
  })
})

async function waitForRole(server: TestServer, wsId: string, role: string): Promise<void> {
  const token = await server.login()
  await waitFor(async () => {
    const r = (await (await server.api(`/api/v1/workspaces/${wsId}/members`, { token })).json()) as {
      members: { session_role: string }[]
    }
    return r.members[0]?.session_role === role
  })
}
