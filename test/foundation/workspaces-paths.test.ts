// Workspace directories: managed ones under the data dir; registered ones only inside a root, every escape refused.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, mkdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { expectError, inProcessApp, tempDir, type InProcessApp, SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

// Layout: base/ is the only workspace root; it holds the server's data dir (base/data) and candidate projects.
let base: string
let outside: string
let h: InProcessApp
let token: string

beforeAll(async () => {
  base = realpathSync(tempDir('cchub-root-'))
  outside = realpathSync(tempDir('cchub-outside-'))
  for (const d of ['proj', 'proj2', 'nested/deep', '..dotted']) mkdirSync(join(base, d), { recursive: true })
  writeFileSync(join(base, 'file.txt'), 'not a directory')
  symlinkSync(outside, join(base, 'link-out'))
  symlinkSync(join(base, 'proj2'), join(base, 'link-in'))
  h = await inProcessApp({ dataDir: join(base, 'data'), config: { workspaceRoots: [base] } })
  token = await h.login()
}, SETUP_TIMEOUT)
afterAll(async () => {
  await h.close()
  rmSync(base, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
})

const create = (body: Record<string, unknown>) => h.call('/api/v1/workspaces', { token, body: { name: 'ws', ...body } })

async function refused(path: string) {
  const res = await create({ path })
  const body = await expectError(res, 422, 'INVALID_PATH')
  return body
}

test('a managed workspace gets a new directory under dataDir/workspaces', async () => {
  const res = await create({ name: 'managed' })
  expect(res.status).toBe(201)
  const ws = (await res.json()) as { id: string; path: string; managed: boolean }
  expect(ws.managed).toBe(true)
  expect(ws.path).toBe(join(h.dataDir, 'workspaces', ws.id))
  expect(statSync(ws.path).isDirectory()).toBe(true)
})

test('an existing directory inside a root is registered by its real path', async () => {
  const res = await create({ path: join(base, 'proj') })
  expect(res.status).toBe(201)
  const ws = (await res.json()) as { path: string; managed: boolean }
  expect(ws).toMatchObject({ path: join(base, 'proj'), managed: false })
})

test('a symlink that stays inside the root registers the directory it points to', async () => {
  const res = await create({ path: join(base, 'link-in') })
  expect(res.status).toBe(201)
  expect(((await res.json()) as { path: string }).path).toBe(join(base, 'proj2'))
})

test('a directory whose name merely starts with two dots is inside the root', async () => {
  const res = await create({ path: join(base, '..dotted') })
  expect(res.status).toBe(201)
  expect(((await res.json()) as { path: string }).path).toBe(join(base, '..dotted'))
})

test('registering the same directory twice is 409, also through another spelling', async () => {
  const first = await create({ path: join(base, 'nested/deep') })
  expect(first.status).toBe(201)
  await expectError(await create({ path: join(base, 'nested/deep') }), 409, 'CONFLICT')
  await expectError(await create({ path: join(base, 'nested/deep/') }), 409, 'CONFLICT')
  await expectError(await create({ path: join(base, 'nested/./deep') }), 409, 'CONFLICT')
})

describe('refused with 422 INVALID_PATH', () => {
  test('a relative path', async () => {
    await refused('proj')
    await refused('./proj')
  })
  test('a path with .. components, even one that would land inside the root', async () => {
    await refused(`${base}/proj/../proj`)
    await refused(`${base}/../${basename(outside)}`)
  })
  test('an absolute path outside every root', async () => {
    await refused(outside)
    await refused('/')
  })
  test('a symlink inside the root that points outside', async () => {
    await refused(join(base, 'link-out'))
  })
  test('a path that does not exist', async () => {
    await refused(join(base, 'missing'))
  })
  test('a file instead of a directory', async () => {
    await refused(join(base, 'file.txt'))
  })
  test('the data directory, a directory inside it, or a parent of it', async () => {
    await refused(h.dataDir)
    await refused(join(h.dataDir, 'workspaces'))
    await refused(base)
  })
  test('nothing refused was created or recorded', async () => {
    expect(existsSync(join(base, 'missing'))).toBe(false)
    const list = (await (await h.call('/api/v1/workspaces', { token })).json()) as { workspaces: { path: string }[] }
    const paths = list.workspaces.map((w) => w.path)
    for (const p of [outside, base, h.dataDir, join(base, 'file.txt'), join(base, 'link-out')])
      expect(paths).not.toContain(p)
  })
})

test('with no roots configured, registering any existing directory is refused', async () => {
  const plain = await inProcessApp()
  try {
    const t = await plain.login()
    const res = await plain.call('/api/v1/workspaces', { token: t, body: { name: 'x', path: join(base, 'proj') } })
    const body = await expectError(res, 422, 'INVALID_PATH')
    expect(body.message).toContain('CCHUB_WORKSPACE_ROOTS')
  } finally {
    await plain.close()
  }
})
