// Shapes of the REST answers the app reads, derived (as types only) from the server's TypeBox schemas.
import type { Static } from '@sinclair/typebox'
import type { TokenPair as TokenPairSchema } from '../../src/modules/auth/model.ts'
import type {
  Execution as ExecutionSchema,
  ExecuteResponse as ExecuteResponseSchema,
  Session as SessionSchema,
} from '../../src/modules/claude/model.ts'
import type { FileView as FileViewSchema } from '../../src/modules/files/model.ts'
import type { HealthBody } from '../../src/modules/health/index.ts'
import type { User as UserSchema } from '../../src/modules/users/model.ts'
import type { Workspace as WorkspaceSchema } from '../../src/modules/workspaces/model.ts'

export type TokenPair = Static<typeof TokenPairSchema>
export type Me = Static<typeof UserSchema>
export type User = Static<typeof UserSchema>
export type Workspace = Static<typeof WorkspaceSchema>
export type Session = Static<typeof SessionSchema>
export type Execution = Static<typeof ExecutionSchema>
export type ExecuteResponse = Static<typeof ExecuteResponseSchema>
export type FileView = Static<typeof FileViewSchema>
export type Health = Static<typeof HealthBody>

export interface LogEntry {
  seq: number
  type: string
  data: any
  timestamp: string
}
