// TypeBox schemas of the seed-001 messages the dialect translates (the rest pass to cchub's dispatcher as they are).
import { Type as T, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { AppError } from '../../../core/errors.ts'

const SessionId = T.String({ minLength: 1, maxLength: 64 })
const UserId = T.String({ minLength: 1, maxLength: 64 })

/** The seed client's `send()`: `{type, data, timestamp: Date.now(), id}`. */
export const Seed001Frame = T.Object({
  type: T.String({ minLength: 1, maxLength: 64 }),
  data: T.Optional(T.Unknown()),
  timestamp: T.Optional(T.Number({ description: 'Epoch milliseconds (the client) or seconds (the server)' })),
  id: T.Optional(T.Union([T.String({ maxLength: 128 }), T.Number()])),
})
export type Seed001Frame = Static<typeof Seed001Frame>

export const ClaudeMessageData = T.Object({
  session_id: T.Optional(T.Union([SessionId, T.Null()], { description: 'null or absent: a new session' })),
  content: T.String({ minLength: 1, maxLength: 200_000 }),
  stream: T.Optional(T.Boolean({ description: 'true: claude_response chunks, then a final one' })),
})

export const FileUploadData = T.Object({
  session_id: T.Optional(
    T.Union([SessionId, T.Null()], { description: "null or absent: the user's default workspace" }),
  ),
  filename: T.String({ minLength: 1, maxLength: 4096 }),
  content_type: T.Optional(T.String({ maxLength: 255 })),
  size: T.Integer({ minimum: 0 }),
  data: T.String({ description: 'The whole file, base64' }),
})

export const TargetUserData = T.Object({
  session_id: T.Optional(SessionId),
  target_user_id: UserId,
  role: T.Optional(T.String({ maxLength: 20 })),
})

/** Every frame the server sends: the seed's Go `Message`, with `time.Now().Unix()` and a message id. */
export const Seed001ServerFrame = T.Object({
  type: T.String(),
  data: T.Unknown(),
  timestamp: T.Integer({ description: 'Unix seconds' }),
  id: T.Union([T.String(), T.Number()], { description: "The request's id on a reply, else a fresh one" }),
})
export type Seed001ServerFrame = Static<typeof Seed001ServerFrame>

/** `claude_response`: a chunk (`stream: true`) or the final frame of one execution (`message_id`). */
export const ClaudeResponseData = T.Object({
  message_id: T.String(),
  session_id: T.Union([T.String(), T.Null()]),
  content: T.String({ description: 'A chunk, or the whole reply in the final frame' }),
  stream: T.Boolean(),
  completed: T.Boolean(),
  status: T.Optional(T.String({ description: "The final frame: cchub's execution status" })),
})
export type ClaudeResponseData = Static<typeof ClaudeResponseData>

export const SessionCreatedData = T.Object({ session_id: T.String(), message_id: T.String() })

/** The seed's SharedFile as `file_uploaded` carries it (`name` and the client's `filename` both). */
export const SeedFileData = T.Object({
  file_id: T.String(),
  name: T.String(),
  filename: T.String(),
  path: T.String(),
  content_type: T.String(),
  size: T.Integer(),
  session_id: T.Union([T.String(), T.Null()]),
  uploaded_by: T.String(),
  uploaded_at: T.String({ format: 'date-time' }),
  is_shared: T.Boolean(),
  client_file_id: T.Optional(T.String()),
})
export type SeedFileData = Static<typeof SeedFileData>

/** `file_shared`: the copy, who shared it and when. */
export const FileSharedData = T.Composite([
  T.Omit(SeedFileData, ['uploaded_by', 'uploaded_at']),
  T.Object({ shared_by: T.String(), shared_at: T.String({ format: 'date-time' }) }),
])

/** The seed's SharedMessage in `session_state.messages`. */
export const SharedMessage = T.Object({
  id: T.String(),
  user_id: T.Union([T.String(), T.Null()]),
  content: T.String(),
  type: T.Union([T.Literal('user'), T.Literal('assistant')]),
  timestamp: T.String({ format: 'date-time' }),
})
export type SharedMessage = Static<typeof SharedMessage>

/** `session_state`: the seed's SharedState, with who is here and the document's version. */
export const SessionStateData = T.Object({
  session_id: T.String(),
  current_code: T.String(),
  code_version: T.Integer(),
  language: T.Union([T.String(), T.Null()]),
  cursor_positions: T.Record(T.String(), T.Unknown()),
  messages: T.Array(SharedMessage),
  files: T.Array(SeedFileData),
  participants: T.Array(T.Unknown()),
  your_role: T.String(),
  status: T.String(),
})

/** `code_changed`: one of another user's editor changes; `cursor_moved`: their cursor. */
export const CodeChangedData = T.Object({
  session_id: T.String(),
  user_id: T.String(),
  version: T.Integer(),
  change: T.Object({ range: T.Unknown(), rangeLength: T.Optional(T.Integer()), text: T.String() }),
})
export const CursorMovedData = T.Object({
  session_id: T.String(),
  user_id: T.String(),
  username: T.String(),
  position: T.Unknown(),
})

export const checks = {
  frame: TypeCompiler.Compile(Seed001Frame),
  claude: TypeCompiler.Compile(ClaudeMessageData),
  upload: TypeCompiler.Compile(FileUploadData),
  target: TypeCompiler.Compile(TargetUserData),
}

export function invalidFrame(): AppError {
  return new AppError('VALIDATION_FAILED', 422, 'Frames look like {"type":"…","data":{…},"timestamp":<ms>,"id":"…"}')
}

export function shapeError(type: string, check: (typeof checks)[keyof typeof checks], data: unknown): AppError {
  const first = check.Errors(data).First()
  return new AppError(
    'VALIDATION_FAILED',
    422,
    `Invalid ${type}: ${first ? `${first.path || '/'} ${first.message}` : 'bad shape'}`,
  )
}
