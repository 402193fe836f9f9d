// What presence needs of the other nodes when this node is one of several (src/modules/shared-state/presence.ts).
import type { SessionRole } from '../../store/records.ts'

export interface OnlineUser {
  user_id: string
  username: string
  role: SessionRole
  connections: number
}

/** Called when a user's presence on the other nodes begins (`present`) or ends, for `reason`. */
export type RemotePresenceHandler = (sessionId: string, user: OnlineUser, present: boolean, reason: string) => void

/** The other nodes' presence. */
export interface OtherNodes {
  users(sessionId: string): OnlineUser[]
  has(sessionId: string, userId: string): boolean
  /** This node's entry for the user changed (null: gone, for `reason`). */
  share(sessionId: string, userId: string, info: Omit<OnlineUser, 'user_id'> | null, reason: string): void
  onChange(handler: RemotePresenceHandler): void
}
