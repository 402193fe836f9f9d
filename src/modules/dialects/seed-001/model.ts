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
