// Channel names, which of them are durable, and who may subscribe to each kind.
import { AppError } from '../../core/errors.ts'
import type { UserRecord } from '../../store/records.ts'

export type ChannelKind = 'workspace' | 'session' | 'task' | 'user' | 'system' | 'broadcast'
export interface ChannelName {
  kind: ChannelKind
  id: string | null
  name: string
}

const DURABLE = new Set<ChannelKind>(['workspace', 'session', 'task', 'user'])
const ID = /^[A-Za-z0-9_-]{1,64}$/

export function parseChannel(name: unknown): ChannelName {
  if (typeof name !== 'string' || name.length > 80)
    throw new AppError('VALIDATION_FAILED', 422, 'channel must be a string like session:<id>')
  if (name === 'system' || name === 'broadcast') return { kind: name, id: null, name }
  const i = name.indexOf(':')
  const kind = name.slice(0, i) as ChannelKind
  const id = name.slice(i + 1)
  if (i < 0 || !DURABLE.has(kind) || !ID.test(id)) {
    throw new AppError(
      'VALIDATION_FAILED',
      422,
      `unknown channel ${JSON.stringify(name)}: use workspace:<id>, session:<id>, task:<id>, user:<id>, system or broadcast`,
    )
  }
  return { kind, id, name }
}

/** The kind part of a channel name (`session` of `session:<id>`; '' for system and broadcast). */
export const kindOf = (channel: string): string => channel.slice(0, channel.indexOf(':'))
export const isDurable = (channel: string) => DURABLE.has(kindOf(channel) as ChannelKind)

// The names of the durable channels: every module builds them here, so a rename happens once.
export const taskChannel = (executionId: string) => `task:${executionId}`
export const sessionChannel = (sessionId: string) => `session:${sessionId}`
export const workspaceChannel = (workspaceId: string) => `workspace:${workspaceId}`
export const userChannel = (userId: string) => `user:${userId}`

export type AccessCheck = (user: UserRecord, id: string) => Promise<boolean>

/** Who may read which channel. Modules register the check for the kinds they own (sessions, tasks). */
export class ChannelAccess {
  private readonly checks = new Map<ChannelKind, AccessCheck>()

  constructor() {
    this.checks.set('user', async (user, id) => user.id === id)
  }

  register(kind: ChannelKind, check: AccessCheck): void {
    this.checks.set(kind, check)
  }

  async canRead(user: UserRecord, channel: ChannelName): Promise<boolean> {
    if (channel.kind === 'system' || channel.kind === 'broadcast') return true
    const check = this.checks.get(channel.kind)
    if (!check) return false
    return check(user, channel.id!)
  }

  /** FORBIDDEN both for "does not exist" and "not yours", so channel ids do not leak. */
  async assertRead(user: UserRecord, channel: ChannelName): Promise<void> {
    if (!(await this.canRead(user, channel)))
      throw new AppError('FORBIDDEN', 403, `You may not subscribe to ${channel.name}`)
  }
}
