// User administration and self-service profile/password changes.
import { AppError, conflict, notFound } from '../../core/errors.ts'
import type { Signals } from '../../core/signals.ts'
import type { Role, UserRecord } from '../../store/records.ts'
import { StoreConflict, type Store } from '../../store/store.ts'
import type { UserRemoval } from './removal.ts'

export type PublicUser = ReturnType<typeof toPublicUser>

export function toPublicUser(u: UserRecord) {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    display_name: u.display_name,
    email: u.email,
    disabled: u.disabled,
    created_at: new Date(u.created_at).toISOString(),
    updated_at: new Date(u.updated_at).toISOString(),
  }
}

export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: 'argon2id' })

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly signals: Signals,
    private readonly removal: UserRemoval,
  ) {}

  async create(input: { username: string; password: string; role?: Role; display_name?: string; email?: string }) {
    const now = Date.now()
    const user: UserRecord = {
      id: Bun.randomUUIDv7(), username: input.username, password_hash: await hashPassword(input.password),
      role: input.role ?? 'user', display_name: input.display_name ?? null, email: input.email ?? null,
      disabled: false, created_at: now, updated_at: now,
    }
    try {
      await this.store.users.create(user)
    } catch (err) {
      if (err instanceof StoreConflict) throw conflict(`Username ${input.username} is already taken`)
      throw err
    }
    return toPublicUser(user)
  }

  async list(limit = 100, offset = 0) {
    const { items, total } = await this.store.users.list({ limit, offset })
    return { users: items.map(toPublicUser), total }
  }

  async get(id: string) {
    const user = await this.store.users.byId(id)
    if (!user) throw notFound('User')
    return toPublicUser(user)
  }

  async update(actor: UserRecord, id: string, patch: { role?: Role; disabled?: boolean; display_name?: string | null; email?: string | null; password?: string }) {
    const user = await this.store.users.byId(id)
    if (!user) throw notFound('User')
    if (id === actor.id && (patch.disabled === true || patch.role === 'user')) {
      throw new AppError('CONFLICT', 409, 'Administrators cannot disable or demote themselves')
    }
    const { password, ...rest } = patch
    const changes: Partial<UserRecord> = { ...rest, updated_at: Date.now() }
    if (password) changes.password_hash = await hashPassword(password)
    const updated = (await this.store.users.update(id, changes))!
    if (patch.disabled === true && !user.disabled) this.signals.emit('user-disabled', { userId: id })
    else if (patch.role !== undefined && patch.role !== user.role) this.signals.emit('access-changed', { userId: id })
    return toPublicUser(updated)
  }

  /** See UserRemoval: shared things are handed to `actor`, the rest of the user's goes. */
  delete(actor: UserRecord, id: string) {
    return this.removal.remove(actor, id)
  }

  async updateMe(me: UserRecord, patch: { display_name?: string | null; email?: string | null }) {
    return toPublicUser((await this.store.users.update(me.id, { ...patch, updated_at: Date.now() }))!)
  }

  async changePassword(me: UserRecord, current: string, next: string) {
    if (!(await Bun.password.verify(current, me.password_hash))) {
      throw new AppError('INVALID_CREDENTIALS', 401, 'Current password is wrong')
    }
    await this.store.users.update(me.id, { password_hash: await hashPassword(next), updated_at: Date.now() })
  }
}
