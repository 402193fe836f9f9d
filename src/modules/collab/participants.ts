// Session participants and roles: invite, grant (share links), change, hand over and remove.
import { AppError, conflict, invalid, notFound } from '../../core/errors.ts'
import type { Signals } from '../../core/signals.ts'
import type { ParticipantRecord, SessionRecord, SessionRole, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import type { RunStopper } from '../claude/engine/stop-runs.ts'
import type { SessionAccess } from '../sessions/access.ts'
import { announceChange } from './participant-events.ts'
import type { Presence } from './presence.ts'
import { atLeast, RANK } from './roles.ts'
import { roster } from './roster.ts'

type Grant = Exclude<SessionRole, 'owner'>
const keepsOwner = (target: UserRecord) =>
  new AppError(
    'FORBIDDEN',
    403,
    `${target.username} owns the workspace or is an admin, and keeps the owner role on every session in it; a session owner cannot demote or remove them`,
  )

export class CollabService {
  constructor(
    private readonly deps: {
      store: Store
      log: ChannelLog
      access: SessionAccess
      signals: Signals
      presence: Presence
      runs: Pick<RunStopper, 'stop'>
    },
  ) {}

  /** Everyone with a role on the session: see roster. */
  async list(user: UserRecord, sessionId: string) {
    const { session } = await this.deps.access.require(user, sessionId, 'viewer')
    return { session_id: sessionId, participants: await roster(this.deps, session) }
  }

  async add(user: UserRecord, sessionId: string, targetId: string, role: Grant = 'collaborator') {
    const { session } = await this.deps.access.require(user, sessionId, 'owner')
    const target = await this.user(targetId)
    if (target.id === session.owner_id) throw conflict('That user owns the session')
    await this.refuseLowering(session, target, role)
    const existing = await this.deps.store.sessions.participant(sessionId, target.id)
    if (existing)
      throw new AppError(
        'CONFLICT',
        409,
        `Already a participant (${existing.role}); PATCH the participant to change the role`,
        { details: { role: existing.role } },
      )
    const record: ParticipantRecord = { session_id: sessionId, user_id: target.id, role, created_at: Date.now() }
    await this.deps.store.sessions.putParticipant(record)
    await announceChange(this.deps, session, target, 'participant_added', { role, via: 'invite' }, user)
    return (await this.list(user, sessionId)).participants.find((p) => p.user_id === target.id)!
  }

  /** Used by share links: grants `role` unless the user already has it or a higher one. */
  async grant(
    session: SessionRecord,
    target: UserRecord,
    role: Grant,
    via: Record<string, unknown>,
    by: UserRecord | null,
  ) {
    const previous = await this.deps.access.roleOf(target, session)
    if (atLeast(previous, role)) return { previous, role: previous!, changed: false }
    const existing = await this.deps.store.sessions.participant(session.id, target.id)
    await this.deps.store.sessions.putParticipant({
      session_id: session.id,
      user_id: target.id,
      role,
      created_at: existing?.created_at ?? Date.now(),
    })
    await announceChange(
      this.deps,
      session,
      target,
      existing ? 'role_changed' : 'participant_added',
      { role, previous_role: previous, ...via },
      by,
    )
    return { previous, role, changed: true }
  }

  async setRole(user: UserRecord, sessionId: string, targetId: string, role: SessionRole) {
    const { session } = await this.deps.access.require(user, sessionId, 'owner')
    const target = await this.user(targetId)
    const previous = await this.deps.access.roleOf(target, session)
    if (!previous) throw notFound('Participant')
    if (target.id === session.owner_id) {
      if (role === 'owner') return this.find(user, sessionId, target.id)
      throw conflict(
        "The owner cannot be demoted; hand the session over first (PATCH another participant's role to owner)",
      )
    }
    if (role === 'owner') return this.handOver(user, session, target, previous)
    await this.refuseLowering(session, target, role)
    const existing = await this.deps.store.sessions.participant(sessionId, target.id)
    await this.deps.store.sessions.putParticipant({
      session_id: sessionId,
      user_id: target.id,
      role,
      created_at: existing?.created_at ?? Date.now(),
    })
    await announceChange(this.deps, session, target, 'role_changed', { role, previous_role: previous }, user)
    return this.find(user, sessionId, target.id)
  }

  /** Owner (or the participant themself, to leave) removes an explicit participant. */
  async remove(user: UserRecord, sessionId: string, targetId: string) {
    const self = user.id === targetId
    const { session } = await this.deps.access.require(user, sessionId, self ? 'viewer' : 'owner')
    if (targetId === session.owner_id) throw conflict('The owner cannot be removed; hand the session over first')
    const target = await this.user(targetId)
    if (!self && (await this.deps.access.workspaceRoleOn(target, session)) === 'owner') throw keepsOwner(target)
    const previous = (await this.deps.store.sessions.participant(sessionId, targetId))?.role ?? null
    if (!previous) throw notFound('Participant')
    // without the row, what the workspace gives is what remains
    const remaining = await this.deps.access.workspaceRoleOn(target, session)
    // one who may no longer prompt here has no prompt of theirs run here either, on whichever node it is; first, so
    // that a node that does not answer (503) leaves the row for a retry
    if (remaining === null || remaining === 'viewer') {
      const reason = self ? `${target.username} left the session` : `${target.username} was removed by ${user.username}`
      await this.deps.runs.stop({ any: [{ user_id: targetId, session_id: sessionId }], session_ids: [], reason })
    }
    if (!(await this.deps.store.sessions.removeParticipant(sessionId, targetId))) throw notFound('Participant')
    // Published before the sockets are dropped, so the removed user learns why; then nothing more reaches them.
    await announceChange(
      this.deps,
      session,
      target,
      'participant_removed',
      { previous_role: previous, remaining_role: remaining },
      user,
      remaining === null,
    )
    return { ok: true, user_id: targetId, remaining_role: remaining }
  }

  /**
   * A session owner cannot take away what the workspace gives: its owner and admins stay owners, members keep their
   * default.
   */
  private async refuseLowering(session: SessionRecord, target: UserRecord, role: SessionRole): Promise<void> {
    const floor = await this.deps.access.workspaceRoleOn(target, session)
    if (floor === null || RANK[role] >= RANK[floor]) return
    if (floor === 'owner') throw keepsOwner(target)
    throw new AppError(
      'FORBIDDEN',
      403,
      `${target.username} is a ${floor} on every session of this workspace as a member; change their role in the workspace's members instead`,
    )
  }

  private async handOver(user: UserRecord, session: SessionRecord, target: UserRecord, previous: SessionRole) {
    const now = Date.now()
    const old = await this.deps.store.users.byId(session.owner_id)
    await this.deps.store.sessions.update(session.id, { owner_id: target.id, updated_at: now })
    const [t, o] = await Promise.all([
      this.deps.store.sessions.participant(session.id, target.id),
      this.deps.store.sessions.participant(session.id, session.owner_id),
    ])
    await this.deps.store.sessions.putParticipant({
      session_id: session.id,
      user_id: target.id,
      role: 'owner',
      created_at: t?.created_at ?? now,
    })
    await this.deps.store.sessions.putParticipant({
      session_id: session.id,
      user_id: session.owner_id,
      role: 'collaborator',
      created_at: o?.created_at ?? session.created_at,
    })
    const moved = { ...session, owner_id: target.id }
    await announceChange(
      this.deps,
      moved,
      target,
      'role_changed',
      { role: 'owner', previous_role: previous, owner_id: target.id },
      user,
    )
    if (old)
      await announceChange(
        this.deps,
        moved,
        old,
        'role_changed',
        { role: 'collaborator', previous_role: 'owner', owner_id: target.id },
        user,
      )
    return this.find(user, session.id, target.id)
  }

  private async find(user: UserRecord, sessionId: string, targetId: string) {
    const p = (await this.list(user, sessionId)).participants.find((x) => x.user_id === targetId)
    if (!p) throw notFound('Participant')
    return p
  }

  private async user(id: string): Promise<UserRecord> {
    const u = await this.deps.store.users.byId(id)
    if (!u || u.disabled) throw notFound('User')
    return u
  }

  /** The id of the user an invite names by user_id or by username (the web app invites by name). */
  async userIdOf(ref: { user_id?: string; username?: string }): Promise<string> {
    if (ref.user_id) return ref.user_id
    if (!ref.username) throw invalid('Name the user: user_id or username')
    const u = await this.deps.store.users.byUsername(ref.username)
    if (!u || u.disabled) throw notFound('User')
    return u.id
  }
}
