// Share links: an owner mints a token that lets any existing user join the session with a role until it expires.
import type { Clock } from '../../core/clock.ts'
import { AppError, notFound } from '../../core/errors.ts'
import { iso } from '../../core/iso.ts'
import type { SessionRecord, SessionRole, ShareLinkRecord, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { SessionAccess } from '../sessions/access.ts'

const DEFAULT_TTL_S = 86_400

/** Only the hash is stored: a leaked database does not hand out working links. */
export const hashToken = (token: string) => new Bun.CryptoHasher('sha256').update(token).digest('hex')

function stateOf(l: ShareLinkRecord, now: number): 'active' | 'expired' | 'revoked' {
  if (l.revoked_at !== null) return 'revoked'
  return l.expires_at <= now ? 'expired' : 'active'
}

const toPublicLink = (l: ShareLinkRecord, now: number) => ({
  id: l.id,
  session_id: l.session_id,
  role: l.role,
  created_by: l.created_by,
  created_at: iso(l.created_at),
  expires_at: iso(l.expires_at),
  revoked_at: iso(l.revoked_at),
  uses: l.uses,
  state: stateOf(l, now),
})

/** What accepting a link needs of the participants (CollabService): a grant that never lowers a role. */
interface Participants {
  grant(
    session: SessionRecord,
    target: UserRecord,
    role: ShareLinkRecord['role'],
    via: Record<string, unknown>,
    by: null,
  ): Promise<{ previous: SessionRole | null; role: SessionRole; changed: boolean }>
}

export class ShareLinks {
  constructor(
    private readonly deps: { store: Store; access: SessionAccess; participants: Participants; clock: Clock },
  ) {}

  async create(user: UserRecord, sessionId: string, input: { role: ShareLinkRecord['role']; expires_in_s?: number }) {
    await this.deps.access.require(user, sessionId, 'owner')
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
    const now = this.deps.clock.now()
    const link: ShareLinkRecord = {
      id: Bun.randomUUIDv7(),
      session_id: sessionId,
      token_hash: hashToken(token),
      role: input.role,
      created_by: user.id,
      created_at: now,
      expires_at: now + (input.expires_in_s ?? DEFAULT_TTL_S) * 1000,
      revoked_at: null,
      uses: 0,
    }
    await this.deps.store.shareLinks.create(link)
    return {
      id: link.id,
      token,
      url: `/api/v1/claude/share/${token}`,
      session_id: sessionId,
      role: link.role,
      created_at: iso(now),
      expires_at: iso(link.expires_at),
    }
  }

  async list(user: UserRecord, sessionId: string) {
    await this.deps.access.require(user, sessionId, 'owner')
    return {
      links: (await this.deps.store.shareLinks.listForSession(sessionId)).map((l) =>
        toPublicLink(l, this.deps.clock.now()),
      ),
    }
  }

  /** Idempotent: revoking a revoked link answers the link as it is. */
  async revoke(user: UserRecord, sessionId: string, linkId: string) {
    await this.deps.access.require(user, sessionId, 'owner')
    const link = await this.deps.store.shareLinks.byId(linkId)
    if (!link || link.session_id !== sessionId) throw notFound('Share link')
    await this.deps.store.shareLinks.revoke(linkId, this.deps.clock.now())
    return toPublicLink((await this.deps.store.shareLinks.byId(linkId))!, this.deps.clock.now())
  }

  /** What a link grants, so a client can ask "join <title> as <role>?" before accepting. */
  async info(user: UserRecord, token: string) {
    const { link, session } = await this.usable(token)
    return {
      session_id: session.id,
      title: session.title,
      role: link.role,
      expires_at: iso(link.expires_at),
      your_role: await this.deps.access.roleOf(user, session),
    }
  }

  async accept(user: UserRecord, token: string) {
    const { link, session } = await this.usable(token)
    const result = await this.deps.participants.grant(
      session,
      user,
      link.role,
      { via: 'share_link', link_id: link.id },
      null,
    )
    await this.deps.store.shareLinks.countUse(link.id)
    return { session_id: session.id, role: result.role, previous_role: result.previous, changed: result.changed }
  }

  /** 404 SHARE_LINK_NOT_FOUND for unknown tokens, 410 SHARE_LINK_EXPIRED / SHARE_LINK_REVOKED for dead ones. */
  private async usable(token: string) {
    const link = await this.deps.store.shareLinks.byTokenHash(hashToken(token))
    const session = link ? await this.deps.store.sessions.byId(link.session_id) : null
    if (!link || !session) throw new AppError('SHARE_LINK_NOT_FOUND', 404, 'This share link does not exist')
    const state = stateOf(link, this.deps.clock.now())
    if (state === 'revoked')
      throw new AppError('SHARE_LINK_REVOKED', 410, 'This share link was revoked; ask the session owner for a new one')
    if (state === 'expired')
      throw new AppError('SHARE_LINK_EXPIRED', 410, 'This share link has expired; ask the session owner for a new one')
    return { link, session }
  }
}
