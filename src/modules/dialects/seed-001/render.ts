// cchub's frames as the seed-001 client reads them: `{type, data, timestamp: <unix seconds>, id}` and its field names.
import type { Static } from '@sinclair/typebox'
import type { FileSharedData, SeedFileData, Seed001ServerFrame, SessionStateData, SharedMessage } from './model.ts'

type Data = Record<string, any>

let counter = 0
/** A message id like the seed server's generateMessageID (time and a counter). */
const messageId = () => `${Date.now()}-${(++counter).toString(36)}`

/** One frame of the seed's envelope; `at` is the cchub frame's time (ISO), `id` the request it answers if any. */
export function frame(type: string, data: unknown, at?: string, id?: string | number): string {
  const ms = at ? Date.parse(at) : Date.now()
  const out: Seed001ServerFrame = { type, data, timestamp: Math.floor(ms / 1000), id: id ?? messageId() }
  return JSON.stringify(out)
}

/** A file as the seed's SharedFile and file_uploaded show it. */
export function seedFile(f: Data): SeedFileData {
  return {
    file_id: f.file_id,
    name: f.name,
    filename: f.name,
    path: f.path,
    content_type: f.content_type,
    size: f.size,
    session_id: f.session_id ?? null,
    uploaded_by: f.by?.id ?? f.owner_id,
    uploaded_at: f.created_at,
    // the seed's SaveFile shares every file with the session it was uploaded to
    is_shared: f.session_id != null,
    ...(f.client_file_id ? { client_file_id: f.client_file_id } : {}),
  }
}

export function seedShared(f: Data): Static<typeof FileSharedData> {
  const { uploaded_by, uploaded_at, ...rest } = seedFile(f)
  return { ...rest, is_shared: true, shared_by: uploaded_by, shared_at: uploaded_at }
}

/** The conversation of a session_state's history as the seed's SharedMessage list (prompts and Claude's results). */
function messagesOf(history: Data[]): SharedMessage[] {
  const out: SharedMessage[] = []
  for (const h of history) {
    if (h.type === 'prompt')
      out.push({
        id: `${h.data.execution_id}:prompt`,
        user_id: h.data.user_id,
        content: h.data.prompt,
        type: 'user',
        timestamp: h.timestamp,
      })
    const ev = h.type === 'event' ? h.data.event : null
    if (ev?.type === 'result' && typeof ev.result === 'string')
      out.push({
        id: h.data.execution_id,
        user_id: null,
        content: ev.result,
        type: 'assistant',
        timestamp: h.timestamp,
      })
  }
  return out
}

/** The seed's SharedState (current_code, cursor_positions, messages, files) with who is here and the doc version. */
export function seedState(s: Data): Static<typeof SessionStateData> {
  return {
    session_id: s.session_id,
    current_code: s.document?.text ?? '',
    code_version: s.document?.version ?? 0,
    language: s.document?.language ?? null,
    cursor_positions: s.cursor_positions ?? {},
    messages: messagesOf(s.history ?? []),
    files: (s.files ?? []).map(seedFile),
    participants: s.participants ?? [],
    your_role: s.your_role,
    status: s.status,
  }
}
