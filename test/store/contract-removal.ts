// Store contract part three: deleting a user hands what others share to an heir and takes the rest along.
import { expect, test } from 'bun:test'
import type { ContractContext } from './contract.ts'
import * as f from './fixtures.ts'

export function userRemovalContract(ctx: ContractContext): void {
  test('deleteHandingOver: sole workspaces go with their sessions and files; shared ones, sessions and files pass to the heir', async () => {
    const s = ctx.store
    const [gone, heir, other] = [f.user(), f.user(), f.user()]
    for (const u of [gone, heir, other]) await s.users.create(u)
    const sole = f.workspace(gone.id, { path: '/srv/sole' })
    const shared = f.workspace(gone.id, { path: '/srv/shared' })
    const others = f.workspace(other.id)
    for (const w of [sole, shared, others]) await s.workspaces.create(w)
    await s.workspaces.putMember({ workspace_id: shared.id, user_id: other.id, session_role: 'viewer', created_at: 1 })
    const [inSole, inShared, inOthers] = [
      f.session(sole.id, gone.id),
      f.session(shared.id, gone.id),
      f.session(others.id, gone.id),
    ]
    for (const x of [inSole, inShared, inOthers]) await s.sessions.create(x)
    const files = [
      f.file(gone.id, { workspace_id: sole.id, path: '/srv/sole/uploads/a' }),
      f.file(gone.id, { workspace_id: shared.id, path: '/srv/shared/uploads/b' }),
      f.file(gone.id, { path: '/srv/loose' }),
    ]
    for (const x of files) await s.files.create(x)
    expect((await s.users.soleWorkspaces(gone.id)).map((w) => w.id)).toEqual([sole.id])

    const removal = (await s.users.deleteHandingOver(gone.id, heir.id, 77))!
    expect(removal.deletedWorkspaces).toEqual([sole])
    expect(removal.transferredWorkspaces).toEqual([shared.id])
    expect(removal.transferredSessions.sort()).toEqual([inShared.id, inOthers.id].sort())
    expect(removal.transferredFiles).toBe(1)
    expect(removal.deletedSessions).toBe(1)
    expect(removal.deletedFiles.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/srv/loose', workspace_path: null },
      { path: '/srv/sole/uploads/a', workspace_path: '/srv/sole' },
    ])
    expect(await s.users.byId(gone.id)).toBeNull()
    expect(await s.workspaces.byId(sole.id)).toBeNull()
    expect(await s.sessions.byId(inSole.id)).toBeNull()
    expect(await s.workspaces.byId(shared.id)).toMatchObject({ owner_id: heir.id, updated_at: 77 })
    expect(await s.sessions.byId(inOthers.id)).toMatchObject({ owner_id: heir.id, updated_at: 77 })
    expect(await s.sessions.participant(inShared.id, heir.id)).toMatchObject({ role: 'owner' })
    expect(await s.files.byId(files[1]!.id)).toMatchObject({ owner_id: heir.id })
    expect(await s.files.byId(files[2]!.id)).toBeNull()
    expect(await s.users.deleteHandingOver(gone.id, heir.id, 78)).toBeNull()
  })
}
