// The prompt box's model and permission-mode pickers in Chromium: sent with execute, and a policy refusal shown.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { addMember, execute, getExecution, startEnv, stopEnv, waitStatus, type Env } from '../execution/helpers.ts'
import { reply } from '../support/mock-anthropic.ts'
import { requireRealCli } from '../support/real-cli.ts'
import { ADMIN_PASSWORD } from '../support/server.ts'
import { launchBrowser, requireChromium, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireRealCli('web app run options (real CLI)') && requireChromium('web app run options (Chromium)')

let e: Env
let b: TestBrowser
let admin: Page
let carol: Page

describe.skipIf(!enabled)('web app run options', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startEnv({ cli: 'real' }), launchBrowser()])
    const c = await e.s.createUser(e.admin, 'carol')
    await addMember(e, c.id, 'collaborator')
    const [a, x] = await Promise.all([b.context(), b.context()])
    admin = a.page
    carol = x.page
    await Promise.all([
      signIn(admin, e.s.url, 'admin', ADMIN_PASSWORD),
      signIn(carol, e.s.url, 'carol', 'carol-password'),
    ])
  })
  afterAll(async () => {
    await b?.close()
    await stopEnv(e)
  })

  test('a new session with model opus in plan mode: execute carries both, the CLI asks the API for opus', async () => {
    e.mock!.enqueue(reply.text('Planned with opus.'))
    await admin.goto(`${e.s.url}/w/${e.workspaceId}`)
    await admin.getByLabel('Model').selectOption('opus')
    await admin.getByLabel('Permission mode').selectOption('plan')
    await admin.getByLabel('What should Claude do?').fill('Make a plan')
    const sent = admin.waitForRequest((r) => r.url().endsWith('/api/v1/claude/execute'))
    await admin.keyboard.press('Enter')
    const body = (await sent).postDataJSON()
    expect(body).toMatchObject({ model: 'opus', permission_mode: 'plan', prompt: 'Make a plan' })
    await admin.getByText('Planned with opus.').waitFor({ timeout: 30_000 })
    const runs = await (
      await e.s.api(`/api/v1/claude/executions?workspace_id=${e.workspaceId}`, { token: e.admin })
    ).json()
    const run = await getExecution(e, runs.executions[0].id)
    expect(run.options).toMatchObject({ model: 'opus', permission_mode: 'plan' })
    expect(String(e.mock!.requests.at(-1)?.model)).toContain('opus')
  })

  test('a user is offered the everyday modes; one the policy forbids is refused with the server message', async () => {
    const put = await e.s.api('/api/v1/admin/tool-policy', {
      method: 'PUT',
      token: e.admin,
      body: { user_tools: [], user_permission_modes: ['default', 'acceptEdits'] },
    })
    expect(put.status).toBe(200)
    e.mock!.enqueue(reply.text('First.'))
    const ex = await execute(e, { prompt: 'Hello' })
    await waitStatus(e, ex.execution_id)
    await carol.goto(`${e.s.url}/s/${ex.session_id}`)
    await carol.getByText('First.').waitFor()
    const modes = await carol
      .getByLabel('Permission mode')
      .locator('option')
      .evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))
    expect(modes).toEqual(['default', 'plan', 'acceptEdits'])
    await carol.getByLabel('Permission mode').selectOption('plan')
    await carol.getByLabel('Message Claude').fill('Plan it')
    await carol.keyboard.press('Enter')
    await carol.locator('.prompt-box [role="alert"]').getByText('permission_mode plan is not allowed').waitFor()
    expect(await carol.getByLabel('Message Claude').inputValue()).toBe('Plan it') // kept for another try

    e.mock!.enqueue(reply.text('Edits accepted.'))
    await carol.getByLabel('Permission mode').selectOption('acceptEdits')
    await carol.getByLabel('Message Claude').press('Enter')
    await carol.getByText('Edits accepted.').waitFor({ timeout: 30_000 })
  })
})
