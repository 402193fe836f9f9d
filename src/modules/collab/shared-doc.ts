// The session's shared document: versioned range edits, applied one at a time per session, stale versions rejected.
import { AppError } from '../../core/errors.ts'
import { iso } from '../../core/iso.ts'
import type { SessionDocRecord, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { SessionAccess } from '../sessions/access.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import { sessionChannel } from '../realtime/channels.ts'
import type { KeyedQueue } from './keyed-queue.ts'
import { changesOf, editsOf, type RangeChange } from './ranges.ts'
import type { CollabTiming } from './roles.ts'

export interface Edit {
  start: number
  end: number
  text: string
}
interface Applied {
  version: number
  edits: Edit[]
  user_id: string
}

const RECENT = 100

/** Offset edits against a known version, or editor range changes against the current text. */
export type DocChange = ({ version: number; edits: Edit[] } | { version?: number; changes: RangeChange[] }) & {
  language?: string
}

/**
 * Applies edits in order, each against the text the previous one left (UTF-16 offsets, end exclusive).
 * Throws VALIDATION_FAILED naming the first edit whose range does not fit.
 */
export function applyEdits(text: string, edits: Edit[]): string {
  let out = text
  edits.forEach((e, i) => {
    if (e.start > e.end || e.end > out.length) {
      throw new AppError(
        'VALIDATION_FAILED',
        422,
        `Edit ${i} range [${e.start}, ${e.end}) does not fit a text of length ${out.length}`,
        { details: { edit_index: i, length: out.length } },
      )
    }
    out = out.slice(0, e.start) + e.text + out.slice(e.end)
  })
  return out
}

export class SharedDocs {
  /** The last edits per session, so a stale client can be told exactly what it missed. */
  private readonly recent = new Map<string, Applied[]>()

  constructor(
    private readonly deps: {
      store: Store
      log: ChannelLog
      access: SessionAccess
      queue: KeyedQueue
      timing: CollabTiming
    },
  ) {}

  async view(sessionId: string) {
    const doc = await this.deps.store.docs.get(sessionId)
    return {
      session_id: sessionId,
      version: doc?.version ?? 0,
      text: doc?.text ?? '',
      language: doc?.language ?? null,
      updated_by: doc?.updated_by ?? null,
      updated_at: iso(doc?.updated_at ?? null),
    }
  }

  async read(user: UserRecord, sessionId: string) {
    await this.deps.access.require(user, sessionId, 'viewer')
    return this.view(sessionId)
  }

  /**
   * Applies one change. Runs after every change queued earlier for the session (one promise chain per session), so
   * two edits against the same version cannot both win: the second sees the new version and is told to rebase.
   * `edits` need the version they were made against; editor `changes` (line/column ranges) may come without one and
   * then apply to the text as it is when their turn comes (clients that keep no versions, seed 001).
   */
  async change(user: UserRecord, sessionId: string, input: DocChange) {
    const { session } = await this.deps.access.require(user, sessionId, 'collaborator')
    if (session.status === 'closed')
      throw new AppError('SESSION_CLOSED', 409, 'This session is closed; its document is read-only')
    return this.deps.queue.run(`doc:${sessionId}`, async () => {
      const doc = await this.deps.store.docs.get(sessionId)
      const current = doc?.version ?? 0
      if (input.version !== undefined && input.version !== current) throw this.stale(sessionId, input.version, doc)
      const before = doc?.text ?? ''
      const edits = 'edits' in input ? input.edits : editsOf(before, input.changes)
      const text = applyEdits(before, edits)
      if (text.length > this.deps.timing.maxDocChars) {
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          413,
          `The document would exceed ${this.deps.timing.maxDocChars} characters`,
        )
      }
      const next: SessionDocRecord = {
        session_id: sessionId,
        version: current + 1,
        text,
        language: input.language ?? doc?.language ?? null,
        updated_by: user.id,
        updated_at: Date.now(),
      }
      // The store's own check catches a writer outside this process (the queue only orders this one).
      if (!(await this.deps.store.docs.put(next, current)))
        throw this.stale(sessionId, input.version ?? current, await this.deps.store.docs.get(sessionId))
      this.remember(sessionId, { version: next.version, edits, user_id: user.id })
      const seq = await this.deps.log.emit(sessionChannel(sessionId), 'code_change', {
        session_id: sessionId,
        version: next.version,
        base_version: current,
        edits,
        changes: changesOf(before, edits),
        language: next.language,
        user_id: user.id,
        username: user.username,
      })
      return { version: next.version, seq: seq ?? null, length: text.length }
    })
  }

  private stale(sessionId: string, sent: number, doc: SessionDocRecord | null): AppError {
    const current = doc?.version ?? 0
    const since = (this.recent.get(sessionId) ?? []).filter((a) => a.version > sent)
    // edits_since only when it covers every version after the client's: otherwise the client must take `text`.
    const complete = sent < current && since.length === current - sent && since[0]?.version === sent + 1
    return new AppError(
      'STALE_VERSION',
      409,
      `The edit is against version ${sent} but the document is at version ${current}: rebase and resend`,
      {
        details: {
          current_version: current,
          text: doc?.text ?? '',
          language: doc?.language ?? null,
          ...(complete ? { edits_since: since } : {}),
        },
      },
    )
  }

  private remember(sessionId: string, a: Applied): void {
    const list = this.recent.get(sessionId) ?? []
    list.push(a)
    if (list.length > RECENT) list.splice(0, list.length - RECENT)
    this.recent.set(sessionId, list)
  }
}
