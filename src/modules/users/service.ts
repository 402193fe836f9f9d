// User administration and self-service profile/password changes.
import { AppError, conflict, notFound } from '../../core/errors.ts'
import type { Signals } from '../../core/signals.ts'
import type { Role, UserRecord } from '../../store/records.ts'
import { StoreConflict, type Store } from '../../store/store.ts'
import type { LoginThrottle } from '../auth/throttle.ts'
import type { UserRemoval } from './removal.ts'
import type { RunStopper } from '../claude/engine/stop-runs.ts'
import { iso } from '../../core/iso.ts'

export type PublicUser = ReturnType<typeof toPublicUser>

export function toPublicUser(u: UserRecord) {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    display_name: u.display_name,
    email: u.email,
    disabled: u.disabled,
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
  }
}

export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: 'argon2id' })

/** A new password also moves tokens_valid_after (strictly forward), which revokes every token issued before. */
async function newPassword(user: UserRecord, password: string) {
  return {
    password_hash: await hashPassword(password),
    tokens_valid_after: Math.max(Date.now(), user.tokens_valid_after + 1),
  }
}

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly signals: Signals,
    private readonly throttle: LoginThrottle,
    private readonly removal: UserRemoval,
    private readonly runs: Pick<RunStopper, 'stop'>,
  ) {}

  async create(input: { username: string; password: string; role?: Role; display_name?: string; email?: string }) {
    const now = Date.now()
    const user: UserRecord = {
      id: Bun.randomUUIDv7(),
      username: input.username,
      password_hash: await hashPassword(input.password),
      role: input.role ?? 'user',
      display_name: input.display_name ?? null,
      email: input.email ?? null,
      disabled: false,
      tokens_valid_after: 0,
      created_at: now,
      updated_at: now,
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

  async update(
    actor: UserRecord,
    id: string,
    patch: { role?: Role; disabled?: boolean; display_name?: string | null; email?: string | null; password?: string },
  ) {
    const user = await this.store.users.byId(id)
    if (!user) throw notFound('User')
    if (id === actor.id && (patch.disabled === true || patch.role === 'user')) {
      throw new AppError('CONFLICT', 409, 'Administrators cannot disable or demote themselves')
    }
    const { password, ...rest } = patch
    const changes: Partial<UserRecord> = {
      ...rest,
      ...(password ? await newPassword(user, password) : {}),
      updated_at: Date.now(),
    }
    const updated = (await this.store.users.update(id, changes))!
    if (password) this.signals.emit('tokens-revoked', { userId: id, before: updated.tokens_valid_after })
    if (patch.disabled === true) {
      if (!user.disabled) this.signals.emit('user-disabled', { userId: id })
      // a disabled account runs nothing more, on any node (its sockets close through the signal); also on a repeat,
      // which is how a request that got 503 from a node is retried
      await this.runs.stop({ any: [{ user_id: id }], session_ids: [], reason: `User ${user.username} was disabled` })
    } else if (patch.role !== undefined && patch.role !== user.role) this.signals.emit('access-changed', { userId: id })
    return toPublicUser(updated)
  }

  /** See UserRemoval: shared things are handed to `actor`, the rest of the user's goes. */
  delete(actor: UserRecord, id: string) {
    return this.removal.remove(actor, id)
  }

  async updateMe(me: UserRecord, patch: { display_name?: string | null; email?: string | null }) {
    return toPublicUser((await this.store.users.update(me.id, { ...patch, updated_at: Date.now() }))!)
  }

  /**
   * A wrong current password counts like a failed login (a stolen token must not become a password oracle).
   * Returns the user as stored after the change, for a fresh token pair: every token issued before is revoked.
   */
  async changePassword(me: UserRecord, current: string, next: string, address: string): Promise<UserRecord> {
    await this.throttle.check(me.username, address)
    if (!(await Bun.password.verify(current, me.password_hash))) {
      await this.throttle.failed(me.username, address)
      throw new AppError('INVALID_CREDENTIALS', 401, 'Current password is wrong')
    }
    const updated = (await this.store.users.update(me.id, {
      ...(await newPassword(me, next)),
      updated_at: Date.now(),
    }))!
    this.signals.emit('tokens-revoked', { userId: me.id, before: updated.tokens_valid_after })
    return updated
  }
}
