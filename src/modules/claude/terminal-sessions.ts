// Terminal `claude` sessions in the caller's CLI home (.claude/projects/<escaped cwd>/<id>.jsonl), imported to resume.
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { AppError, conflict, forbidden } from '../../core/errors.ts'
import type { SessionRecord, UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { WorkspaceService } from '../workspaces/service.ts'
import { workspaceRole } from '../sessions/access.ts'
import { projectDirName } from './cli/home.ts'
import { createSession } from '../sessions/create.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export class TerminalSessions {
  constructor(
    private readonly store: Store,
    private readonly workspaces: WorkspaceService,
    /** The CLI home of a user (<data>/homes/<id>): only the caller's own transcripts are listed and importable. */
    private readonly homeOf: (userId: string) => string,
  ) {}

  async list(user: UserRecord, workspaceId: string) {
    const ws = await this.workspaces.visible(user, workspaceId)
    const dir = this.dirFor(user, ws.path)
    if (!dir) return { sessions: [] }
    const imported = new Map<string, string>()
    const { items } = await this.store.sessions.listVisible(null, { workspaceId, limit: 10_000, offset: 0 })
    for (const s of items) if (s.cli_session_id) imported.set(s.cli_session_id, s.id)
    const sessions = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl') && UUID.test(f.slice(0, -6)))
      .map((f) => {
        const st = statSync(join(dir, f))
        const id = f.slice(0, -6)
        return {
          cli_session_id: id,
          modified_at: st.mtime.toISOString(),
          size: st.size,
          first_prompt: firstPrompt(join(dir, f)),
          imported_session_id: imported.get(id) ?? null,
        }
      })
      .sort((a, b) => b.modified_at.localeCompare(a.modified_at))
    return { sessions }
  }

  /** Registers a terminal session so prompts through the API resume it (`--resume <cli_session_id>`). */
  async import(user: UserRecord, workspaceId: string, cliSessionId: string, title?: string): Promise<SessionRecord> {
    const ws = await this.workspaces.visible(user, workspaceId)
    // the importer becomes the session's owner and runs tools in the workspace: a viewer may not
    if ((await workspaceRole(this.store, user, ws)) === 'viewer')
      throw forbidden('Importing a terminal session needs the collaborator role in the workspace; you are a viewer')
    const dir = this.dirFor(user, ws.path)
    if (!dir || !existsSync(join(dir, `${cliSessionId}.jsonl`)))
      throw new AppError('NOT_FOUND', 404, 'No terminal session with that id in this workspace')
    const { items } = await this.store.sessions.listVisible(null, { workspaceId, limit: 10_000, offset: 0 })
    const existing = items.find((s) => s.cli_session_id === cliSessionId)
    if (existing) throw conflict(`Already imported as session ${existing.id}`)
    return createSession(this.store, {
      workspace_id: ws.id,
      owner_id: user.id,
      title: title ?? firstPrompt(join(dir, `${cliSessionId}.jsonl`))?.slice(0, 80) ?? 'Terminal session',
      cli_session_id: cliSessionId,
    })
  }

  private dirFor(user: UserRecord, cwd: string): string | null {
    const dir = join(this.homeOf(user.id), '.claude', 'projects', projectDirName(cwd))
    return existsSync(dir) ? dir : null
  }
}

/** The first user text of a transcript, reading only its beginning. */
function firstPrompt(file: string): string | null {
  try {
    const buf = new Uint8Array(256 * 1024)
    const fd = openSync(file, 'r')
    const n = readSync(fd, buf, 0, buf.length, 0)
    closeSync(fd)
    const head = new TextDecoder().decode(buf.subarray(0, n))
    for (const line of head.split('\n')) {
      if (!line.includes('"user"')) continue
      let ev: { type?: string; message?: { content?: unknown } }
      try {
        ev = JSON.parse(line)
      } catch {
        continue
      }
      if (ev.type !== 'user') continue
      const c = ev.message?.content
      if (typeof c === 'string') return c.slice(0, 200)
      if (Array.isArray(c)) {
        const text = c.find((b: { type?: string }) => b?.type === 'text') as { text?: string } | undefined
        if (text?.text) return text.text.slice(0, 200)
      }
    }
  } catch {
    // a transcript we cannot read is still listed, just without its first prompt
  }
  return null
}
