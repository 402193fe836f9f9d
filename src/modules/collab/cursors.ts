// The last cursor position of each user present in a session, for the session_state a late joiner gets.

export type CursorPosition = number | { line: number; column: number }

export class Cursors {
  private readonly bySession = new Map<string, Map<string, CursorPosition>>()

  set(sessionId: string, userId: string, position: CursorPosition): void {
    let users = this.bySession.get(sessionId)
    if (!users) this.bySession.set(sessionId, (users = new Map()))
    users.set(userId, position)
  }

  /** user id → position, for everyone whose cursor is known. */
  of(sessionId: string): Record<string, CursorPosition> {
    return Object.fromEntries(this.bySession.get(sessionId) ?? [])
  }

  /** The user left the session: their cursor is no longer shown. */
  forget(sessionId: string, userId: string): void {
    const users = this.bySession.get(sessionId)
    if (users?.delete(userId) && !users.size) this.bySession.delete(sessionId)
  }
}
