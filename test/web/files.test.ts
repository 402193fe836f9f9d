// The files panel in Chromium: who uploaded what and when, download, delete as each role may, share into another session.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { createSession as createSessionRow } from '../../src/modules/sessions/create.ts'
import { type FilesEnv, startFilesEnv } from '../files/helpers.ts'
import { waitFor } from '../support/wait.ts'
import { dropAllSockets } from '../client/helpers.ts'
import { launchBrowser, openTab, requireChromium, screenshot, signIn, type TestBrowser } from './browser.ts'

setDefaultTimeout(60_000)
const enabled = requireChromium('web app files (Chromium)')

let e: FilesEnv
let b: TestBrowser
let owner: Page
let collab: Page
let viewer: Page
let otherSession: string

const row = (p: Page, name: string) => p.locator('ul.files li', { hasText: name })
const pick = (p: Page, name: string, text: string) =>
  p.locator('input[type="file"]').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from(text) })

/** Chunks the server holds for unfinished uploads (tmp/chunks/<upload>/<index>). */
function chunksStored(): number {
  const root = join(e.s.dataDir, 'tmp', 'chunks')
  if (!existsSync(root)) return 0
  return readdirSync(root)
    .map((d) => readdirSync(join(root, d)).filter((f) => /^\d+$/.test(f)).length)
    .reduce((a, b) => a + b, 0)
}

describe.skipIf(!enabled)('web app files panel', () => {
  beforeAll(async () => {
    ;[e, b] = await Promise.all([startFilesEnv({ wsMaxMessageBytes: 128 * 1024 }), launchBrowser()])
    otherSession = (
      await createSessionRow(e.s.services.store, {
        workspace_id: e.workspaceId,
        owner_id: e.owner.id,
        title: 'Second session',
        cli_session_id: null,
      })
    ).id
    const pages = await Promise.all([b.context(), b.context(), b.context()])
    ;[owner, collab, viewer] = pages.map((x) => x.page) as [Page, Page, Page]
    await Promise.all([
      signIn(owner, e.s.url, 'owner', 'owner-password'),
      signIn(collab, e.s.url, 'collab', 'collab-password'),
      signIn(viewer, e.s.url, 'viewer', 'viewer-password'),
    ])
    await Promise.all([owner, collab, viewer].map((p) => p.goto(`${e.s.url}/s/${e.sessionId}`)))
    await Promise.all([owner, collab, viewer].map((p) => openTab(p, 'Files')))
    await Promise.all([owner, collab, viewer].map((p) => p.getByText('No files yet').waitFor()))
  })
  afterAll(async () => {
    await b?.close()
    await e?.s.close()
  })

  test('each upload is listed for everyone with its size, who uploaded it and when', async () => {
    await pick(owner, 'plan.txt', 'the plan, 24 bytes long.')
    await row(owner, 'plan.txt').waitFor()
    await pick(collab, 'notes.txt', 'collab notes')
    for (const p of [owner, collab, viewer]) {
      await row(p, 'notes.txt').waitFor()
      await row(p, 'plan.txt').waitFor()
      expect(await row(p, 'plan.txt').locator('.file-meta').textContent()).toBe('24 B · owner · just now')
      expect(await row(p, 'notes.txt').locator('.file-meta').textContent()).toBe('12 B · collab · just now')
    }
    await owner.evaluate(() => document.getElementById('files-h')?.scrollIntoView({ block: 'start' }))
    await screenshot(owner, 'files-panel')
  })

  test('download hands over the exact bytes', async () => {
    const [download] = await Promise.all([
      viewer.waitForEvent('download'),
      viewer.getByRole('button', { name: 'Download plan.txt' }).click(),
    ])
    expect(download.suggestedFilename()).toBe('plan.txt')
    expect(readFileSync((await download.path())!, 'utf8')).toBe('the plan, 24 bytes long.')
  })

  test('delete is offered as the API allows it: the owner everything, the collaborator their own, the viewer nothing', async () => {
    expect(await owner.getByRole('button', { name: /^Delete / }).count()).toBe(2)
    expect(await collab.getByRole('button', { name: /^Delete / }).count()).toBe(1)
    expect(await collab.getByRole('button', { name: 'Delete notes.txt' }).count()).toBe(1)
    expect(await viewer.getByRole('button', { name: /^Delete / }).count()).toBe(0)
    expect(await viewer.getByRole('button', { name: /^Share / }).count()).toBe(0)
    await collab.getByRole('button', { name: 'Delete notes.txt' }).click()
    for (const p of [owner, collab, viewer])
      await waitFor(async () => (await row(p, 'notes.txt').count()) === 0, 10_000, 'notes.txt gone')
    const list = await (await e.s.api(`/api/v1/files?session_id=${e.sessionId}`, { token: e.owner.token })).json()
    expect(list.files.map((f: { name: string }) => f.name)).toEqual(['plan.txt'])
  })

  test('share copies a file into another session the user can write to', async () => {
    await owner.getByRole('button', { name: 'Share plan.txt into another session' }).click()
    const select = owner.getByLabel('Share plan.txt into')
    expect(await select.locator('option').allTextContents()).toEqual(['Second session'])
    await owner.getByRole('button', { name: 'Share', exact: true }).click()
    await owner.getByText('plan.txt shared into Second session').waitFor()
    const list = await (await e.s.api(`/api/v1/files?session_id=${otherSession}`, { token: e.owner.token })).json()
    // the same workspace's uploads/ already holds plan.txt, so the copy gets the next free name
    expect(list.files.map((f: { name: string; size: number }) => [f.name, f.size])).toEqual([['plan (1).txt', 24]])
    // the collaborator has no role on the second session: nothing to share into
    await collab.getByRole('button', { name: 'Share plan.txt into another session' }).click()
    await collab.getByText('No other session you can write to').waitFor()
  })

  test('a file dropped anywhere on the session page is uploaded and attached, with a target shown while dragging', async () => {
    const transferOf = (p: Page) =>
      p.evaluateHandle(() => {
        const dt = new DataTransfer()
        dt.items.add(new File(['dropped on the page\n'], 'page-drop.txt', { type: 'text/plain' }))
        return dt
      })
    const transfer = await transferOf(owner)
    const where = owner.locator('.transcript')
    await where.dispatchEvent('dragenter', { dataTransfer: transfer })
    const target = owner.locator('.drop-target')
    expect(await target.textContent()).toBe('Drop to upload into this session and attach to your next prompt')
    expect(await target.isVisible()).toBe(true)
    await where.dispatchEvent('drop', { dataTransfer: transfer })
    expect(await target.count()).toBe(0)
    await row(owner, 'page-drop.txt').waitFor()
    await owner.getByRole('list', { name: 'Attached files' }).getByText('page-drop.txt').waitFor()
    const list = await (await e.s.api(`/api/v1/files?session_id=${e.sessionId}`, { token: e.owner.token })).json()
    const f = list.files.find((x: { name: string }) => x.name === 'page-drop.txt')
    expect(await (await e.s.api(`/api/v1/files/${f.file_id}`, { token: e.owner.token })).text()).toBe(
      'dropped on the page\n',
    )
    await owner.getByRole('button', { name: 'Detach page-drop.txt' }).click()
    // a viewer may not upload: no target, nothing stored
    await viewer.locator('.transcript').dispatchEvent('dragenter', { dataTransfer: await transferOf(viewer) })
    expect(await viewer.locator('.drop-target').count()).toBe(0)
  })

  test('a dropped-in file goes over the WebSocket in chunks and survives a dropped connection with exact bytes', async () => {
    // the server's 128 KiB frames make ~95 KiB chunks: 6 MiB is ~65 of them, several seconds at the SDK's 8 frames/s
    const data = crypto.getRandomValues(new Uint8Array(6 * 1024 * 1024))
    const transfer = await owner.evaluateHandle((b64) => {
      const bin = atob(b64)
      const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0))
      const dt = new DataTransfer()
      dt.items.add(new File([bytes], 'big.bin', { type: 'application/octet-stream' }))
      return dt
    }, Buffer.from(data).toString('base64'))
    await owner.locator('section[aria-labelledby="files-h"]').dispatchEvent('drop', { dataTransfer: transfer })
    await owner.getByLabel('Uploading big.bin').waitFor()
    await waitFor(() => chunksStored() >= 8, 20_000, 'some chunks stored')
    expect(dropAllSockets(e.s)).toBeGreaterThan(0)
    // the upload was still going when the socket died
    expect(await owner.getByLabel('Uploading big.bin').count()).toBe(1)
    await row(owner, 'big.bin').waitFor({ timeout: 30_000 })
    await row(viewer, 'big.bin').waitFor()
    const list = await (await e.s.api(`/api/v1/files?session_id=${e.sessionId}`, { token: e.owner.token })).json()
    const big = list.files.find((f: { name: string }) => f.name === 'big.bin')
    const res = await e.s.api(`/api/v1/files/${big.file_id}`, { token: e.owner.token })
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(data)
    expect(await owner.getByRole('alert').count()).toBe(0)
    // dropped onto the Files tab it goes into the list only, not also attached by the page's drop target
    expect(await owner.getByRole('list', { name: 'Attached files' }).count()).toBe(0)
  })
})
